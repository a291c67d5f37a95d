"""`python -m lastmile.guard SUPERVISOR_PID COMMAND...`: asks the kernel to send this process
SIGTERM when its parent (the supervisor) dies, then becomes COMMAND (exec keeps the request).

The supervisor starts every child through this guard instead of a `preexec_fn`: with no
`preexec_fn`, Python starts children with vfork, so the fork handlers of the gRPC library
loaded in the supervisor (for health probes) never run in a child, where they could abort it
before its exec."""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def main() -> None:
    if len(sys.argv) < 3 or not sys.argv[1].isdigit():
        print("usage: python -m lastmile.guard SUPERVISOR_PID COMMAND...", file=sys.stderr)
        raise SystemExit(2)
    supervisor, argv = int(sys.argv[1]), sys.argv[2:]
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != supervisor:
        raise SystemExit(1)  # the supervisor died before the request was made
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main()
