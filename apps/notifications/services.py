"""Writes of the notifications service: each function validates, writes and publishes its events."""
