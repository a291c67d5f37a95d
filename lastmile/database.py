"""`python -m lastmile.database ARGS...`: the local run's embedded database, SecantusDB's own
command line with a bounded stop.

SecantusDB stops on SIGTERM (closes its connections, then its storage) and exits 0. Once in a
CI run it was still alive 30 s after SIGTERM (its log silent), outliving a killed supervisor.
Here the stop it starts is given STOP_S: past that, every thread's stack goes to the log (the
next reader can see where it hung) and the process exits 1. The storage is journalled, so the
next start recovers whatever the stop did not write."""

from __future__ import annotations

import faulthandler
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

from secantus import cli

STOP_S = 20.0
_install = signal.signal


def bounded(handler: Callable[[int, FrameType | None], Any]) -> Callable[..., Any]:
    """`handler`, with the watchdog armed first."""

    def stop(signum: int, frame: FrameType | None) -> Any:
        faulthandler.dump_traceback_later(STOP_S, exit=True)
        return handler(signum, frame)

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
