"""Synchronous ports: the few questions one service asks another while a request waits.

A port is declared once, in the serving app's `contracts.py`, as a `Port` subclass whose
abstract methods are the questions. `port_for(MediaPort)` answers with the in-process
implementation when this process serves the port's service, or with an HTTP client of the
service's internal endpoint when it does not (settings may force either). Both pass the same
contract tests. Ports are for reads; anything that changes state travels as an event.
"""

from socialapp.ports.declaration import Port, PortUnavailableError
from socialapp.ports.resolution import port_for

__all__ = ["Port", "PortUnavailableError", "port_for"]
