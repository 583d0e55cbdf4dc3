"""The event framework every app publishes and consumes through.

- `Event`: the base of every event payload type (declared in the publishing app's
  `contracts.py`, so consumers can import it through that app's one door).
- `publish(event)`: writes the event to the emitting app's outbox, inside the caller's
  transaction on that app's database.
- `event_handler(EventType)`: registers a consuming app's handler; the same function runs
  in-process (embedded default) or from that app's Kafka consumer group.
"""

from socialapp.eventing.catalogue import Event
from socialapp.eventing.envelope import Envelope
from socialapp.eventing.errors import PublishOutsideTransactionError
from socialapp.eventing.handlers import event_handler
from socialapp.eventing.outbox import publish, publish_many

__all__ = [
    "Envelope",
    "Event",
    "PublishOutsideTransactionError",
    "event_handler",
    "publish",
    "publish_many",
]
