"""Which spans are sampled and kept, and how `lastmile trace` draws a trace."""

from __future__ import annotations

from pathlib import Path

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import Decision
from opentelemetry.trace import (
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
)

from common.tracing import JsonLinesExporter, KeepSampledFailedAndSlow, TraceIdRatio
from lastmile.traces import Span, draw, last_slow, read_spans, roots

LOW_ID = 1  # a trace id every ratio above 0 samples
HIGH_ID = (1 << 64) - 1  # one only a ratio of 1 samples


def _parent(sampled: bool):
    flags = TraceFlags(TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT)
    ctx = SpanContext(trace_id=HIGH_ID, span_id=7, is_remote=True, trace_flags=flags)
    return trace.set_span_in_context(NonRecordingSpan(ctx))


def test_roots_are_sampled_by_trace_id_and_the_rest_recorded() -> None:
    tenth = TraceIdRatio(0.1)
    assert (
        tenth.should_sample(None, LOW_ID, "POST /x", SpanKind.SERVER).decision
        is Decision.RECORD_AND_SAMPLE
    )
    assert (
        tenth.should_sample(None, HIGH_ID, "POST /x", SpanKind.SERVER).decision
        is Decision.RECORD_ONLY
    )


def test_a_callers_decision_is_followed_whatever_the_ratio() -> None:
    none, every = TraceIdRatio(0.0), TraceIdRatio(1.0)
    sampled = none.should_sample(_parent(True), HIGH_ID, "/x.Y/Z", SpanKind.SERVER)
    assert sampled.decision is Decision.RECORD_AND_SAMPLE
    unsampled = every.should_sample(_parent(False), HIGH_ID, "/x.Y/Z", SpanKind.SERVER)
    assert unsampled.decision is Decision.RECORD_ONLY


def test_without_keeping_failed_and_slow_spans_unsampled_traces_are_not_recorded() -> None:
    tenth = TraceIdRatio(0.1, record_unsampled=False)
    assert tenth.should_sample(None, HIGH_ID, "POST /x", SpanKind.SERVER).decision is Decision.DROP
    assert (
        tenth.should_sample(_parent(False), LOW_ID, "/x.Y/Z", SpanKind.SERVER).decision
        is Decision.DROP
    )
    assert (
        tenth.should_sample(None, LOW_ID, "POST /x", SpanKind.SERVER).decision
        is Decision.RECORD_AND_SAMPLE
    )


def test_calls_made_outside_traced_work_are_not_traced() -> None:
    answer = TraceIdRatio(1.0).should_sample(None, LOW_ID, "find ride_requests", SpanKind.CLIENT)
    assert answer.decision is Decision.DROP


def test_failed_and_slow_spans_of_unsampled_traces_are_kept() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=TraceIdRatio(0.0))
    provider.add_span_processor(KeepSampledFailedAndSlow(exporter, slow_s=0.5))
    tracer = provider.get_tracer("test")
    tracer.start_span("fast").end()
    failed = tracer.start_span("failed")
    failed.set_status(Status(StatusCode.ERROR))
    failed.end()
    slow = tracer.start_span("slow", start_time=1_000_000_000)
    slow.end(end_time=1_600_000_000)
    almost = tracer.start_span("almost slow", start_time=1_000_000_000)
    almost.end(end_time=1_499_000_000)
    provider.force_flush()
    assert sorted(s.name for s in exporter.get_finished_spans()) == ["failed", "slow"]
    provider.shutdown()


def test_spans_written_as_json_lines_read_back(tmp_path: Path) -> None:
    provider = TracerProvider(sampler=TraceIdRatio(1.0))
    provider.add_span_processor(
        KeepSampledFailedAndSlow(JsonLinesExporter(tmp_path / "a.jsonl"), 1)
    )
    tracer = provider.get_tracer("test")
    with (
        tracer.start_as_current_span("POST /api/v1/driver/location", kind=SpanKind.SERVER),
        tracer.start_as_current_span("/lastmile.v1.LocationService/UpdatePositions"),
    ):
        pass
    provider.shutdown()
    (tmp_path / "a.jsonl").open("a").write('{"trace_id": "cut off wh')  # a killed writer
    spans = list(read_spans(tmp_path))
    assert [s.name for s in roots(spans)] == ["POST /api/v1/driver/location"]
    assert len(spans) == 2 and spans[0].trace_id == spans[1].trace_id


def _span(
    span_id: str,
    parent: str | None,
    start: float,
    ms: float,
    service: str = "rider",
    name: str = "",
) -> Span:
    return Span(
        trace_id="t1",
        span_id=span_id,
        parent_id=parent,
        name=name or span_id,
        service=service,
        kind="SERVER",
        start_ns=int(start * 1e6),
        end_ns=int((start + ms) * 1e6),
        status="UNSET",
        attributes={},
    )


def test_a_trace_is_drawn_as_a_tree_in_start_order() -> None:
    spans = [
        _span("c2", "b", 30, 5, "trip", "BookSeats"),
        _span("a", None, 0, 100, "gateway", "POST /api/v1/driver/location"),
        _span("b", "a", 10, 80, "location", "UpdatePositions"),
        _span("c1", "b", 12, 10, "rider", "Claim"),
        _span("x", "gone", 50, 700, "matching", "Trigger"),
    ]
    lines = draw(spans)
    assert lines[0].startswith("trace t1  750.0 ms  5 spans  5 services: gateway, location, ")
    assert [line.split("  ")[-1].strip() for line in lines[1:4]] == [
        "POST /api/v1/driver/location",
        "UpdatePositions",
        "Claim",
    ]
    assert lines[1].split()[:4] == ["0.0", "ms", "100.0", "ms"]
    # Depth shows as indentation; a span whose parent was not kept is drawn at the top.
    assert lines[3].index("Claim") > lines[2].index("UpdatePositions") > lines[1].index("POST")
    assert lines[-1].endswith("Trigger  (its parent was not kept)")


def test_the_last_slow_trace_is_the_latest_slow_root() -> None:
    spans = [_span("a", None, 0, 900), _span("b", None, 2000, 600), _span("c", None, 5000, 100)]
    later = Span("t2", "d", None, "x", "gateway", "SERVER", int(3000e6), int(3700e6), "UNSET", {})
    assert last_slow([*spans, later], 500) == "t2"  # ended last of those over 500 ms
    assert last_slow(spans, 1000) is None
