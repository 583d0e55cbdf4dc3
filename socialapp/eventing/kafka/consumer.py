"""One app's Kafka consumer group: every event it handles, each applied exactly once.

Messages are taken in batches (up to `batch_size`, whatever has arrived) and applied in one
transaction, one commit per batch; if a handler fails, the batch is rolled back and its
messages are applied one by one so only the bad one is retried and dead-lettered. For each
message, in partition order:
1. parse the envelope; a malformed message, or an event type no app declares, goes to the
   app's dead-letter topic at once;
2. run each of the app's handlers for that type (`run_handler`: handler effects and inbox
   row commit together, so a redelivered event is a no-op);
3. a handler that keeps failing (EVENTS_CONSUMER_MAX_ATTEMPTS) sends the message to the
   dead-letter topic with its error, and the consumer moves on;
4. only then is the offset stored; stored offsets are committed every second and on close.

Database outages are not the message's fault: they are retried until the database is back,
never dead-lettered.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition
from django.db import InterfaceError, OperationalError, close_old_connections, connections, transaction

from socialapp.eventing import catalogue
from socialapp.eventing.catalogue import Event
from socialapp.eventing.envelope import Envelope
from socialapp.eventing.errors import MalformedEventError, UnknownEventTypeError
from socialapp.eventing.handlers import (
    Handler,
    claim_all,
    consumer_topics,
    handler_database,
    handlers_for,
    run_handler,
    service_for_app,
)
from socialapp.eventing.kafka.config import (
    consumer_config,
    consumer_group,
    dead_letter_topic,
    physical_topic,
    producer_config,
)
from socialapp.eventing.kafka.faults import CONSUMER_AFTER_COMMIT, FaultPoint
from socialapp.eventing.kafka.liveness import Heartbeat
from socialapp.observability.context import request_context
from socialapp.observability.metrics import CONSUMER_LAG, EVENTS_HANDLED

logger = logging.getLogger(__name__)

INFRASTRUCTURE_ERRORS = (OperationalError, InterfaceError)

_Work = tuple[Message, Event, Envelope, list[Handler]]


def envelope_request_id(message: Message) -> str | None:
    value = dict(_header_pairs(message)).get("request_id")
    return value.decode() if isinstance(value, bytes) else value


class EventConsumer:
    def __init__(
        self,
        app_label: str,
        *,
        max_attempts: int = 3,
        retry_backoff: float = 0.2,
        stop: threading.Event | None = None,
        consumer_overrides: dict[str, Any] | None = None,
        batch_size: int = 500,
    ) -> None:
        self.app_label = app_label
        self.service = service_for_app(app_label)
        self.group_id = consumer_group(self.service)
        self.topics = [physical_topic(t) for t in consumer_topics(app_label)]
        self.dead_letter_topic = dead_letter_topic(self.service)
        self.max_attempts = max_attempts
        self.retry_backoff = retry_backoff
        self.stop = stop or threading.Event()
        self.consumer = Consumer(consumer_config(self.group_id, **(consumer_overrides or {})))
        self.dead_letters = Producer(producer_config())
        self.assigned = threading.Event()
        self.batch_size = batch_size
        self.database = handler_database(app_label)
        self.heartbeat = Heartbeat(f"consumer-{app_label}")
        self.fault_after_commit = FaultPoint(CONSUMER_AFTER_COMMIT)  # drills only (tests/drills/)

    def run(self) -> None:
        if not self.topics:
            # Idle rather than exit: an orchestrator would restart an exited consumer forever.
            logger.warning("%s handles no events; idling until stopped", self.app_label)
            while not self.stop.wait(1.0):
                self.heartbeat.beat()
            return
        self.consumer.subscribe(self.topics, on_assign=self._on_assign)
        logger.info("consuming", extra={"group": self.group_id, "topics": self.topics})
        try:
            while not self.stop.is_set():
                self.heartbeat.beat()
                # Block for the first message only, then take what has already arrived:
                # consume() alone waits for a full batch or its timeout, adding latency.
                first = self.consumer.poll(0.5)
                if first is None:
                    continue
                rest = self.consumer.consume(num_messages=self.batch_size - 1, timeout=0) if self.batch_size > 1 else []
                messages = self._usable([first, *rest])
                if not messages:
                    continue
                self.process_batch(messages)
                # Effects committed, offsets not stored yet: a crash here means a redelivery.
                self.fault_after_commit.reached()
                for message in messages:
                    self.consumer.store_offsets(message=message)
                self._record_lag(messages[-1])
        finally:
            self.consumer.close()  # commits the stored offsets
            self.dead_letters.flush(10)
            connections.close_all()  # this thread's connections

    def _usable(self, messages: list[Message]) -> list[Message]:
        usable = []
        for message in messages:
            error = message.error()
            if error is None:
                usable.append(message)
            elif error.fatal():
                raise KafkaException(error)
            elif error.code() != KafkaError._PARTITION_EOF:
                logger.warning("consumer error", extra={"error": str(error)})
        return usable

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.assigned.set()

    # --- messages -------------------------------------------------------------------------
    def process(self, message: Message) -> None:
        self.process_batch([message])

    def process_batch(self, messages: list[Message]) -> None:
        """Apply a batch in one transaction (one commit, not one per message); if any handler
        fails, roll the batch back and apply its messages one by one, with retries and
        dead letters, so one bad message costs only itself."""
        work = [item for item in map(self._parse, messages) if item is not None]
        if not work:
            return
        while True:
            try:
                outcomes = self._apply_together(work)
            except INFRASTRUCTURE_ERRORS as error:
                self._wait_for_database(error)  # not the messages' fault: try the batch again
                continue
            except Exception:  # noqa: BLE001  (a handler failed: isolate it, one message at a time)
                close_old_connections()
                for message, event, envelope, handlers in work:
                    with request_context(envelope_request_id(message)):
                        for handler in handlers:
                            self._apply(handler, event, envelope, message)
                return
            for outcome in outcomes:
                EVENTS_HANDLED.labels(self.app_label, outcome).inc()
            return

    def _apply_together(self, work: list[_Work]) -> list[str]:
        """Claim the whole batch's inbox rows in one statement, then run the handlers of the
        pairs claimed now, in message order, all in one transaction."""
        outcomes: list[str] = []
        with transaction.atomic(using=self.database):
            claimed = claim_all([(handler, envelope) for _, _, envelope, handlers in work for handler in handlers])
            for message, event, envelope, handlers in work:
                with request_context(envelope_request_id(message)):
                    for handler in handlers:
                        key = (envelope.id, handler.name)
                        if key in claimed:
                            claimed.discard(key)  # the same event twice in a batch runs once
                            handler.func(event, envelope)
                            outcomes.append("ok")
                        else:
                            outcomes.append("duplicate")
        return outcomes

    def _parse(self, message: Message) -> _Work | None:
        """The event and this app's handlers for it; None if dead-lettered or not ours."""
        with request_context(envelope_request_id(message)):
            try:
                envelope = Envelope.parse(message.value())
                event_class = catalogue.lookup(envelope.type, envelope.version)
                if event_class is None:
                    raise UnknownEventTypeError(f"no app declares {envelope.type} v{envelope.version}")
                handlers = handlers_for(envelope, [self.app_label])
                if not handlers:
                    EVENTS_HANDLED.labels(self.app_label, "skipped").inc()
                    return None
                try:
                    event = event_class.model_validate(envelope.data)
                except ValueError as error:
                    raise MalformedEventError(f"data does not fit {event_class.__name__}: {error}") from error
            except (MalformedEventError, UnknownEventTypeError) as error:
                self._dead_letter(message, reason=type(error).__name__, error=str(error))
                return None
        return (message, event, envelope, handlers)

    def _wait_for_database(self, error: Exception) -> None:
        """A database outage: drop the connections, wait a second, and let the caller retry.
        Re-raises if the consumer is being stopped meanwhile."""
        logger.warning("database unavailable, retrying", extra={"error": str(error)})
        self.heartbeat.beat()  # waiting out an outage is progress; a restart would not help
        close_old_connections()
        if self.stop.wait(1.0):
            raise error

    def _apply(self, handler: Handler, event: Event, envelope: Envelope, message: Message) -> None:
        attempt = 0
        while True:
            try:
                applied = run_handler(handler, event, envelope)
            except INFRASTRUCTURE_ERRORS as error:
                self._wait_for_database(error)  # not this message's fault: the attempt does not count
                continue
            except Exception as error:
                attempt += 1
                if attempt < self.max_attempts:
                    logger.warning("handler failed, retrying", extra={"handler": handler.name, "attempt": attempt})
                    time.sleep(self.retry_backoff * 2 ** (attempt - 1))
                    continue
                logger.exception("handler keeps failing; dead-lettering", extra={"handler": handler.name})
                self._dead_letter(
                    message, reason="HandlerFailed", error=f"{type(error).__name__}: {error}", handler=handler.name
                )
                return
            EVENTS_HANDLED.labels(self.app_label, "ok" if applied else "duplicate").inc()
            return

    def _dead_letter(self, message: Message, *, reason: str, error: str, handler: str = "") -> None:
        headers = _header_pairs(message)
        headers += [
            ("dlq.reason", reason.encode()),
            ("dlq.error", error[:4000].encode()),
            ("dlq.handler", handler.encode()),
            ("dlq.consumer_group", self.group_id.encode()),
            ("dlq.original_topic", (message.topic() or "").encode()),
            ("dlq.original_partition", str(message.partition()).encode()),
            ("dlq.original_offset", str(message.offset()).encode()),
        ]
        self.dead_letters.produce(self.dead_letter_topic, value=message.value(), key=message.key(), headers=headers)
        # The offset is stored only once the dead letter is safely in Kafka.
        if self.dead_letters.flush(30) != 0:
            raise KafkaException(KafkaError(KafkaError._TIMED_OUT, "dead-letter produce timed out"))
        EVENTS_HANDLED.labels(self.app_label, "dead_letter").inc()
        logger.error("event dead-lettered", extra={"reason": reason, "error": error, "handler": handler})

    def _record_lag(self, message: Message) -> None:
        topic, partition = message.topic() or "", message.partition() or 0
        try:
            _low, high = self.consumer.get_watermark_offsets(TopicPartition(topic, partition), cached=True)
        except KafkaException:
            return
        if high >= 0:
            CONSUMER_LAG.labels(self.app_label, topic, str(partition)).set(max(high - (message.offset() or 0) - 1, 0))


def _header_pairs(message: Message) -> list[tuple[str, str | bytes | None]]:
    headers = message.headers() or []
    return list(headers.items()) if isinstance(headers, dict) else list(headers)
