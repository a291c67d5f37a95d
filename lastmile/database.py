"""`python -m lastmile.database ARGS...`: the local run's embedded database, SecantusDB's own
command line with a safe, bounded stop.

SecantusDB's SIGTERM handler stops the server from inside the signal handler, on the main
thread, which at that moment waits in `server.wait()` (a `threading.Event`). Setting the
event takes the lock of the condition the interrupted wait may hold, and the lock is not
reentrant: now and then the process deadlocked, every thread in a futex wait, and outlived a
killed supervisor (seen in CI; found alive 37 minutes later). Here the handler runs on a thread
of its own (not a daemon, so the interpreter waits for the storage to close before exiting),
and the stop is given STOP_S: past that, every thread's stack goes to the log and the process
exits 1. The storage is journalled, so the next start recovers whatever the stop did not
write."""

from __future__ import annotations

import faulthandler
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from secantus import cli

STOP_S = 20.0
_install = signal.signal


def bounded(handler: Callable[[int, FrameType | None], Any]) -> Callable[..., Any]:
    """`handler`, run off the signal's frame on a thread of its own, watchdog armed first."""

    def stop(signum: int, frame: FrameType | None) -> None:
        faulthandler.dump_traceback_later(STOP_S, exit=True)
        # Its sys.exit(0) ends only that thread; the main thread's wait returns once the
        # server is stopped, and the process exits when the stop thread is done.
        threading.Thread(target=handler, args=(signum, None), name="stop").start()

    return stop


def _install_bounded(signum: int, handler: Any) -> Any:
    if signum in (signal.SIGTERM, signal.SIGINT) and callable(handler):
        handler = bounded(handler)
    return _install(signum, handler)


def main() -> int:
    faulthandler.enable()
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    # The CLI installs its stop handlers itself, just before it serves: each is wrapped.
    signal.signal = _install_bounded
    return cli.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
