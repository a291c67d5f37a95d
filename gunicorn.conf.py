"""gunicorn settings of the LastMile gateway (`gunicorn -c gunicorn.conf.py 'gateway.app:main()'`).

Worker model: gevent. Every request and every Server-Sent Events stream is a greenlet, so a
worker holds `worker_connections` of them (streams included) and a request waiting on a
backend costs a greenlet switch, not an OS thread wake-up and a GIL hand-off. Blocking grpc
calls cooperate through grpc's gevent integration (`post_worker_init`): each wait runs in
gevent's pool of native threads, so an open stream holds one of those threads, blocked in grpc
with no periodic wake-up (see gateway/backends.py). Measured against gthread (2 workers x 320
threads) on 2 cores: +35% requests/s on the proxied endpoints, 500 idle streams cost 0.01 of a
core.
"""

import os
import shutil
import tempfile
from typing import Any

bind = f"{os.environ.get('HTTP_HOST', '0.0.0.0')}:{os.environ.get('HTTP_PORT', '8080')}"
# gevent, with connection caps and JSON for gunicorn's own errors (gateway/worker.py).
worker_class = "gateway.worker.GatewayWorker"
workers = int(os.environ.get("GATEWAY_WORKERS", "2"))
# MAX_CONNECTIONS per worker (GatewaySettings), plus greenlets to answer refusals with
# (gateway/worker.py answers connections past the cap from these).
worker_connections = int(os.environ.get("MAX_CONNECTIONS", "4000")) + 256
# Native threads for grpc's waits: one per open stream, one per backend call in flight (a
# connection sending its body is not waiting on grpc).
GRPC_WAIT_THREADS = min(worker_connections, 2000) + 100
# Streams live long; a worker is only recycled when it stops answering its heartbeat.
timeout = 60
graceful_timeout = int(float(os.environ.get("DRAIN_GRACE_S", "10")))
keepalive = 5
accesslog = None  # the app counts requests in Prometheus; errors are logged as JSON
errorlog = "-"
# No runtime control socket: nothing here uses gunicornc, the image's root is read-only, and two
# gateways on one machine would share its default path ($HOME/.gunicorn/gunicorn.ctl).
control_socket_disable = True

# Metrics of every worker in one /metrics answer: prometheus_client's multiprocess mode keeps
# each worker's values in files under this folder (a fresh one per gateway unless set).
_own_metrics_dir = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
if _own_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="lastmile-gateway-metrics-")


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    if _own_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def post_worker_init(worker: Any) -> None:
    """After gevent patched the worker and before any grpc channel exists (they are made on
    first use)."""
    import grpc.experimental.gevent
    from gevent import get_hub

    grpc.experimental.gevent.init_gevent()
    get_hub().threadpool.maxsize = GRPC_WAIT_THREADS
