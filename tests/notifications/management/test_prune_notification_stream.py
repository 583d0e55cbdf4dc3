"""`manage.py prune_notification_stream` deletes only entries older than the retention."""

from __future__ import annotations

import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.notifications.models import StreamEntry

pytestmark = pytest.mark.django_db(databases=["notifications"])


def test_old_entries_go_and_recent_ones_stay() -> None:
    user = uuid.uuid4()
    old = StreamEntry.objects.create(user_id=user, position=1, payload={})
    StreamEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    recent = StreamEntry.objects.create(user_id=user, position=2, payload={})
    out = StringIO()

    call_command("prune_notification_stream", stdout=out)

    assert list(StreamEntry.objects.values_list("pk", flat=True)) == [recent.pk]
    assert out.getvalue().strip() == "deleted 1 stream entries older than 7 days"
