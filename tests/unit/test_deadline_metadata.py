import time

from common import deadlines


class _Context:
    """What `deadlines.serving` reads of a grpc.aio servicer context."""

    def __init__(self, remaining: float | None, metadata: tuple = ()) -> None:
        self._remaining, self._metadata = remaining, metadata

    def time_remaining(self) -> float | None:
        return self._remaining

    def invocation_metadata(self) -> tuple:
        return self._metadata


def test_time_spent_on_the_way_counts_against_the_budget() -> None:
    # The caller gave 3 s, 1.5 s ago; gRPC's relative deadline still says 3 s on arrival.
    sent = deadlines.deadline_metadata(3.0)
    ((key, value),) = sent
    late = ((key, str(int(value) - 1500)),)
    with deadlines.serving(_Context(3.0, late)):  # type: ignore[arg-type]
        left = deadlines.remaining()
    assert left is not None and 1.3 < left < 1.6


def test_without_the_metadata_grpcs_own_deadline_stands() -> None:
    with deadlines.serving(_Context(2.0)):  # type: ignore[arg-type]
        left = deadlines.remaining()
    assert left is not None and 1.9 < left <= 2.0
    with deadlines.serving(_Context(None, deadlines.deadline_metadata(1.0))):  # type: ignore[arg-type]
        assert deadlines.remaining() is None


def test_the_metadata_keeps_the_callers_own() -> None:
    sent = deadlines.deadline_metadata(1.0, (("x-client-address", "127.0.0.9"),))
    assert sent[0] == ("x-client-address", "127.0.0.9")
    assert sent[1][0] == deadlines.DEADLINE_KEY
    assert abs(int(sent[1][1]) / 1000 - (time.time() + 1.0)) < 0.1
