"""Traces across every hop, with OpenTelemetry's SDK and its gRPC, Flask and PyMongo
instrumentations.

Off unless the process is given somewhere to send spans (TRACES_DIR, or OTEL_TRACES_EXPORTER
otlp/console); off costs nothing, as no interceptor or command listener is installed.

Sampling is decided by trace id, the same way in every process (OTEL_TRACES_SAMPLER_ARG, 10% by
default), so a sampled trace is whole; a caller's sampled `traceparent` is followed. Spans of
traces not sampled are still recorded, and one that failed or took TRACES_SLOW_MS or more is
kept anyway: a slow call's callers are slower still, so they are kept with it.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import grpc
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.grpc import (
    aio_client_interceptors,
    aio_server_interceptor,
    client_interceptor,
    filters,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.sampling import (
    Decision,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind, StatusCode
from opentelemetry.util.types import Attributes

from common.settings import ServiceSettings

log = logging.getLogger("lastmile.tracing")

# Calls that last as long as a client stays connected: a span of minutes says nothing (and
# would be kept as "slow"); what they carry is traced on its own (see `continued`).
LONG_LIVED_METHODS = ("Subscribe", "StreamPositions", "Watch")
_UNTRACED = filters.any_of(
    filters.health_check(), *(filters.method_name(m) for m in LONG_LIVED_METHODS)
)
_TRACED = filters.negate(_UNTRACED)

_provider: TracerProvider | None = None


class TraceIdRatio(Sampler):
    """Samples a share of traces by trace id (every process decides alike) and follows a
    parent's decision; the rest are recorded, not sampled, so a failed or slow span can be
    kept (see KeepSampledFailedAndSlow). Client calls with no parent are not traced."""

    def __init__(self, ratio: float, record_unsampled: bool = True) -> None:
        self._ratio = TraceIdRatioBased(ratio)
        self._unsampled = Decision.RECORD_ONLY if record_unsampled else Decision.DROP

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: Any = None,
    ) -> SamplingResult:
        parent = trace.get_current_span(parent_context).get_span_context()
        if not parent.is_valid and kind is SpanKind.CLIENT:
            # A call made outside any traced work: a background job's polling of the
            # database, index creation at start-up. Not a request anyone waits on.
            return SamplingResult(Decision.DROP)
        if parent.is_valid:
            sampled = parent.trace_flags.sampled
        else:
            decision = self._ratio.should_sample(parent_context, trace_id, name).decision
            sampled = decision.is_sampled()
        return SamplingResult(
            Decision.RECORD_AND_SAMPLE if sampled else self._unsampled,
            attributes,
            parent.trace_state if parent.is_valid else None,
        )

    def get_description(self) -> str:
        return f"TraceIdRatio{{{self._ratio.rate}}}"


def kept(span: ReadableSpan, slow_ns: int) -> bool:
    """A span goes out when its trace is sampled, when it failed, or when it was slow."""
    if span.context is not None and span.context.trace_flags.sampled:
        return True
    if span.status.status_code is StatusCode.ERROR:
        return True
    return (span.end_time or 0) - (span.start_time or 0) >= slow_ns


class KeepSampledFailedAndSlow(BatchSpanProcessor):
    """The SDK's batching processor, exporting what `kept` keeps (it exports sampled spans
    only)."""

    def __init__(self, exporter: SpanExporter, slow_s: float) -> None:
        super().__init__(exporter)
        self._slow_ns = int(slow_s * 1e9)

    def on_end(self, span: ReadableSpan) -> None:
        if kept(span, self._slow_ns):
            self._batch_processor.emit(span)


def span_record(span: ReadableSpan) -> dict[str, Any]:
    """One span as a JSON object (what `lastmile trace` reads)."""
    ctx, parent = span.context, span.parent
    return {
        "trace_id": format(ctx.trace_id, "032x") if ctx else "",
        "span_id": format(ctx.span_id, "016x") if ctx else "",
        "parent_id": format(parent.span_id, "016x") if parent else None,
        "name": span.name,
        "service": span.resource.attributes.get("service.name", ""),
        "kind": span.kind.name if span.kind else "",
        "start_ns": span.start_time,
        "end_ns": span.end_time,
        "status": span.status.status_code.name,
        "sampled": bool(ctx and ctx.trace_flags.sampled),
        "attributes": {k: _plain(v) for k, v in (span.attributes or {}).items()},
    }


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


class JsonLinesExporter(SpanExporter):
    """Spans as JSON lines in a file of this process's own (written from the batching
    processor's thread, never the event loop)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = "".join(json.dumps(span_record(s), separators=(",", ":")) + "\n" for s in spans)
        with self._lock:
            if self._file.closed:
                return SpanExportResult.FAILURE
            self._file.write(lines)
            self._file.flush()
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        with self._lock:
            self._file.close()


def _exporters(settings: ServiceSettings, process: str) -> list[SpanExporter]:
    out: list[SpanExporter] = []
    if settings.traces_dir is not None:
        out.append(JsonLinesExporter(settings.traces_dir / f"{process}-{os.getpid()}.jsonl"))
    if "otlp" in settings.trace_exporters:
        # Imported only when asked for: it brings its own gRPC channel to the collector.
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        out.append(OTLPSpanExporter())
    if "console" in settings.trace_exporters:
        out.append(ConsoleSpanExporter())
    return out


def configure(settings: ServiceSettings, process: str, database: bool = True) -> bool:
    """Sets up this process's tracing from its settings; False (and nothing installed) when
    it has nowhere to send spans. `database`: trace MongoDB commands too."""
    global _provider
    exporters = _exporters(settings, process)
    if not exporters:
        return False
    resource = Resource.create(
        {
            "service.name": process,
            "service.instance.id": f"{socket.gethostname()}-{os.getpid()}",
        }
    )
    provider = TracerProvider(
        resource=resource,
        sampler=TraceIdRatio(
            settings.otel_traces_sampler_arg, settings.traces_keep_failed_and_slow
        ),
    )
    for exporter in exporters:
        provider.add_span_processor(
            KeepSampledFailedAndSlow(exporter, settings.traces_slow_ms / 1000)
        )
    trace.set_tracer_provider(provider)
    _provider = provider
    if database:
        from opentelemetry.instrumentation.pymongo import PymongoInstrumentor

        PymongoInstrumentor().instrument(tracer_provider=provider, request_hook=_name_command)
    log.info(
        "tracing",
        extra={"sampled": settings.otel_traces_sampler_arg, "exporters": len(exporters)},
    )
    return True


def _name_command(span: Any, event: Any) -> None:
    """`find ride_requests` rather than `<database>.find` (the semantic conventions' name)."""
    collection = event.command.get(event.command_name)
    if span.is_recording() and isinstance(collection, str):
        span.update_name(f"{event.command_name} {collection}")


def enabled() -> bool:
    return _provider is not None


def shutdown() -> None:
    """Sends what is still queued (at the end of the process)."""
    global _provider
    if _provider is not None:
        _provider.shutdown()
        _provider = None


def server_interceptors() -> list[grpc.aio.ServerInterceptor]:
    return [aio_server_interceptor(filter_=_TRACED)] if enabled() else []


def aio_channel_interceptors() -> list[Any]:
    return list(aio_client_interceptors(filter_=_TRACED)) if enabled() else []


def traced_channel(channel: grpc.Channel) -> grpc.Channel:
    """A blocking channel whose calls carry the caller's trace."""
    if not enabled():
        return channel
    from opentelemetry.instrumentation.grpc.grpcext import intercept_channel

    return intercept_channel(channel, client_interceptor(filter_=_TRACED))


def carrier() -> dict[str, str]:
    """The current trace as W3C headers, to store with work handed on through the database
    (empty when tracing is off or nothing is being traced)."""
    headers: dict[str, str] = {}
    if enabled():
        propagate.inject(headers)
    return headers


def continued(name: str, headers: Mapping[str, str] | None, kind: SpanKind = SpanKind.PRODUCER):
    """A span that carries on a trace stored with a piece of work (see `carrier`); None when
    there is none to carry on."""
    if not headers or not enabled():
        return None
    tracer = trace.get_tracer("lastmile")
    return tracer.start_span(name, context=propagate.extract(dict(headers)), kind=kind)
