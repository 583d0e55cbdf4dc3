"""The inbox: each handler applies each event once, however often and however batched the
event arrives."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from socialapp.db import atomic_for
from socialapp.eventing import Envelope
from socialapp.eventing import handlers as handler_registry
from socialapp.eventing.handlers import Handler, claim_all, handlers_for
from tests.conftest import ALL_DATABASES
from tests.eventing_app.contracts import ThingHappened
from tests.eventing_app.models import InboxMessage

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)


def thing_envelope(seq: int) -> Envelope:
    return Envelope(
        id=uuid.uuid4(),
        type=ThingHappened.event_type,
        source="eventtests",
        subject=f"key-{seq}",
        time=timezone.now(),
        version=ThingHappened.version,
        data={"key": f"key-{seq}", "seq": seq},
    )


def record_effect_handler() -> Handler:
    [handler] = handlers_for(thing_envelope(0), ["eventtests"])
    return handler


def claim(pairs: list[tuple[Handler, Envelope]]) -> set[tuple[uuid.UUID, str]]:
    with atomic_for(InboxMessage):
        return claim_all(pairs)


def test_a_batch_claim_returns_every_new_pair_and_writes_one_inbox_row_each() -> None:
    handler = record_effect_handler()
    envelopes = [thing_envelope(seq) for seq in range(3)]

    claimed = claim([(handler, e) for e in envelopes])

    assert claimed == {(e.id, handler.name) for e in envelopes}
    assert sorted(InboxMessage.objects.values_list("event_id", flat=True)) == sorted(e.id for e in envelopes)


def test_pairs_applied_before_are_not_claimed_again() -> None:
    handler = record_effect_handler()
    old, new = thing_envelope(1), thing_envelope(2)
    claim([(handler, old)])

    assert claim([(handler, old), (handler, new)]) == {(new.id, handler.name)}
    assert InboxMessage.objects.count() == 2


def test_the_same_event_twice_in_one_batch_is_claimed_once() -> None:
    handler = record_effect_handler()
    envelope = thing_envelope(1)

    assert claim([(handler, envelope), (handler, envelope)]) == {(envelope.id, handler.name)}
    assert InboxMessage.objects.count() == 1


def test_a_batch_larger_than_one_statement_is_claimed_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handler_registry, "CLAIM_CHUNK_ROWS", 2)
    handler = record_effect_handler()
    envelopes = [thing_envelope(seq) for seq in range(5)]

    assert len(claim([(handler, e) for e in envelopes])) == 5
    assert InboxMessage.objects.count() == 5


def test_a_rolled_back_claim_leaves_the_events_to_be_applied_later() -> None:
    handler = record_effect_handler()
    envelope = thing_envelope(1)
    with pytest.raises(RuntimeError), atomic_for(InboxMessage):
        claim_all([(handler, envelope)])
        raise RuntimeError("a handler failed")

    assert claim([(handler, envelope)]) == {(envelope.id, handler.name)}


def test_handlers_of_two_apps_are_refused_in_one_claim() -> None:
    handler = record_effect_handler()
    other = Handler(name="elsewhere", app_label="feed", event_class=ThingHappened, func=handler.func)

    with pytest.raises(ValueError, match="one app"):
        claim([(handler, thing_envelope(1)), (other, thing_envelope(2))])
