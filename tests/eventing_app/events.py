from socialapp.eventing import Envelope, event_handler
from tests.eventing_app.contracts import DoomedThing, ThingHappened
from tests.eventing_app.models import Effect


class HandlerBoom(RuntimeError):
    pass


@event_handler(ThingHappened)
def record_effect(event: ThingHappened, envelope: Envelope) -> None:
    Effect.objects.create(key=event.key, seq=event.seq, event_id=envelope.id)


@event_handler(DoomedThing)
def always_fail(event: DoomedThing, envelope: Envelope) -> None:
    raise HandlerBoom(f"cannot handle {event.key}")
