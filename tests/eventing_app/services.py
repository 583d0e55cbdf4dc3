from socialapp.db import atomic_for
from socialapp.eventing import publish, publish_many
from tests.eventing_app.contracts import DoomedThing, ThingHappened
from tests.eventing_app.models import Thing


def thing_record(*, key: str, seq: int) -> Thing:
    with atomic_for(Thing):
        thing = Thing.objects.create(key=key, seq=seq)
        publish(ThingHappened(key=key, seq=seq))
    return thing


def things_record(*, steps: list[tuple[str, int]]) -> None:
    with atomic_for(Thing):
        Thing.objects.bulk_create([Thing(key=k, seq=s) for k, s in steps])
        publish_many([ThingHappened(key=k, seq=s) for k, s in steps])


def doomed_thing_record(*, key: str) -> None:
    with atomic_for(Thing):
        Thing.objects.create(key=key, seq=-1)
        publish(DoomedThing(key=key))
