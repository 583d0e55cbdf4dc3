"""Errors of the event framework."""


class EventingError(Exception):
    """Base of the event framework's errors."""


class PublishOutsideTransactionError(EventingError):
    """`publish` was called with no transaction open on the emitting app's database.

    An event is a record that a write happened; outside the write's transaction it could be
    published for a write that then rolls back, or lost for one that commits.
    """


class MalformedEventError(EventingError):
    """A message that is not a valid event envelope, or whose data does not fit its type."""


class UnknownEventTypeError(EventingError):
    """An envelope whose (type, version) no app declares."""
