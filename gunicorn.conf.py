"""gunicorn settings of the LastMile gateway (`gunicorn -c gunicorn.conf.py 'gateway.app:main()'`).

Worker model: gthread. Each Server-Sent Events stream holds one thread for as long as the
browser stays, blocked in the notification service's gRPC stream (no CPU while idle), so a
worker needs threads for its open streams plus its ordinary requests: 320 threads hold 250
streams and leave 70 for requests. grpc's blocking client is thread-safe and shares one
channel per backend per worker; gevent would need grpc's gevent integration and monkey
patching of the whole process, which gthread avoids.
"""

import os

bind = f"{os.environ.get('HTTP_HOST', '0.0.0.0')}:{os.environ.get('HTTP_PORT', '8080')}"
worker_class = "gthread"
workers = int(os.environ.get("GATEWAY_WORKERS", "2"))
threads = int(os.environ.get("GATEWAY_THREADS", "320"))
# Streams live long; a worker is only recycled when it stops answering its heartbeat.
timeout = 60
graceful_timeout = int(float(os.environ.get("DRAIN_GRACE_S", "10")))
keepalive = 5
accesslog = None  # the app counts requests in Prometheus; errors are logged as JSON
errorlog = "-"
