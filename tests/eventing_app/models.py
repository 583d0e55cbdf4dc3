from django.db import models

from socialapp.eventing import models as eventing


class OutboxMessage(eventing.OutboxMessage):
    pass


class InboxMessage(eventing.InboxMessage):
    pass


class Thing(models.Model):
    """The aggregate whose writes publish events."""

    key = models.CharField(max_length=50)
    seq = models.IntegerField()


class Effect(models.Model):
    """What a handler did: one row per application (no uniqueness, so a double effect shows)."""

    key = models.CharField(max_length=50)
    seq = models.IntegerField()
    event_id = models.UUIDField()
    handled_at = models.DateTimeField(auto_now_add=True)


class CrossServiceLink(models.Model):
    """Deliberately wrong: a relation to a model of another database, to show it is refused."""

    content_type = models.ForeignKey(
        "contenttypes.ContentType", null=True, on_delete=models.DO_NOTHING, db_constraint=False
    )


class RecordedEvent(models.Model):
    """Every service event as delivered in process (tests.eventing_app.recorder): what a test
    reads to see what was published, now that delivered outbox rows are deleted."""

    event_id = models.UUIDField(unique=True)
    event_type = models.CharField(max_length=100)
    topic = models.CharField(max_length=100)
    source = models.CharField(max_length=50)
    subject = models.CharField(max_length=200)
    data = models.JSONField()
