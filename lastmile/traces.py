"""Reading a run's spans (the JSON lines common/tracing.py writes, one file per process) and
drawing one trace as a tree with its timings (`lastmile trace`)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Span:
    trace_id: str
    span_id: str
    parent_id: str | None
    name: str
    service: str
    kind: str
    start_ns: int
    end_ns: int
    status: str
    attributes: dict[str, Any]

    @property
    def ms(self) -> float:
        return (self.end_ns - self.start_ns) / 1e6

    @classmethod
    def of(cls, record: dict[str, Any]) -> Span:
        return cls(
            trace_id=record["trace_id"],
            span_id=record["span_id"],
            parent_id=record.get("parent_id"),
            name=record["name"],
            service=record.get("service", ""),
            kind=record.get("kind", ""),
            start_ns=int(record["start_ns"]),
            end_ns=int(record["end_ns"]),
            status=record.get("status", "UNSET"),
            attributes=record.get("attributes") or {},
        )


def read_spans(folder: Path, trace_id: str | None = None) -> Iterator[Span]:
    """Every span in the folder's files (or one trace's); lines that are not whole spans (a
    process killed while writing) are skipped."""
    for path in sorted(folder.glob("*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if trace_id is not None and trace_id not in line:
                    continue
                try:
                    span = Span.of(json.loads(line))
                except (ValueError, KeyError, TypeError):
                    continue
                if trace_id is None or span.trace_id == trace_id:
                    yield span


def roots(spans: Iterable[Span]) -> list[Span]:
    """Spans whose parent is not among them: the trace's root, and any span whose parent was
    not kept (sampling keeps a slow or failed span of a trace that was not sampled)."""
    spans = list(spans)
    ids = {s.span_id for s in spans}
    return sorted((s for s in spans if s.parent_id not in ids), key=lambda s: s.start_ns)


def last_slow(spans: Iterable[Span], slower_than_ms: float) -> str | None:
    """The trace id of the latest root span that took at least `slower_than_ms`."""
    candidates = [s for s in spans if s.parent_id is None and s.ms >= slower_than_ms]
    return max(candidates, key=lambda s: s.end_ns).trace_id if candidates else None


def _label(span: Span) -> str:
    return span.name + ("  ERROR" if span.status == "ERROR" else "")


def draw(spans: Iterable[Span]) -> list[str]:
    """The trace as lines: offset from the trace's start, duration, service, span, indented
    under its parent; children in the order they started."""
    spans = sorted(spans, key=lambda s: s.start_ns)
    if not spans:
        return []
    children: dict[str | None, list[Span]] = defaultdict(list)
    for s in spans:
        children[s.parent_id].append(s)
    start = spans[0].start_ns
    end = max(s.end_ns for s in spans)
    services = sorted({s.service for s in spans})
    lines = [
        f"trace {spans[0].trace_id}  {(end - start) / 1e6:.1f} ms  "
        f"{len(spans)} spans  {len(services)} services: {', '.join(services)}"
    ]
    width = max(len(s.service) for s in spans)

    def walk(span: Span, depth: int) -> None:
        orphan = depth == 0 and span.parent_id is not None
        lines.append(
            f"{(span.start_ns - start) / 1e6:9.1f} ms {span.ms:9.1f} ms  "
            f"{span.service:<{width}}  {'  ' * depth}{_label(span)}"
            + ("  (its parent was not kept)" if orphan else "")
        )
        for child in children.get(span.span_id, []):
            walk(child, depth + 1)

    for root in roots(spans):
        walk(root, 0)
    return lines
