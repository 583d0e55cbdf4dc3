"""Abstract outbox and inbox tables; every app declares concrete ones in its own models.

Each app's copies live in that app's database (the router puts them there), so a domain
write and its outbox row commit in one local transaction, and a handler's effects and its
inbox row commit in one local transaction on the consumer's database.
"""

from __future__ import annotations

from django.db import models


class OutboxMessage(models.Model):
    """An event committed with the write it records, waiting to be delivered.

    Delivery deletes the row, in both modes (ADR 0003): what remains is pending, or given up.
    """

    id = models.BigAutoField(primary_key=True)  # delivery order within one database
    event_id = models.UUIDField(unique=True)
    topic = models.CharField(max_length=100)
    event_type = models.CharField(max_length=100)
    subject = models.CharField(max_length=200)
    # The envelope's JSON as text, byte for byte what the relay sends: no jsonb to text
    # conversion per row on the relay's hot path (ADR 0007). `envelope::jsonb` queries it.
    envelope = models.TextField()
    headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    # In-process mode only: when a failing row may be tried again.
    available_at = models.DateTimeField(auto_now_add=True)
    # Never set since delivery deletes rows; kept only while the relay's batch query still names
    # it, then dropped (ADR 0003, "One lifecycle").
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    # In-process mode only: set when a row failed too often; it stays for an operator to inspect.
    given_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        indexes = [
            models.Index(
                fields=["id"],
                name="%(app_label)s_outbox_pending",
                condition=models.Q(given_up_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class InboxMessage(models.Model):
    """A record that one handler applied one event: redelivery finds it and does nothing."""

    id = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField()
    handler = models.CharField(max_length=200)
    event_type = models.CharField(max_length=100)
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["event_id", "handler"], name="%(app_label)s_inbox_once"),
        ]

    def __str__(self) -> str:
        return f"{self.handler} <- {self.event_id}"
