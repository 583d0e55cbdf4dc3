"""This app's outbox (events it publishes) and inbox (events its handlers applied)."""

from socialapp.eventing import models as eventing


class OutboxMessage(eventing.OutboxMessage):
    pass


class InboxMessage(eventing.InboxMessage):
    pass
