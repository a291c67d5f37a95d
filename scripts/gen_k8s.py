"""Renders the per-service Kubernetes objects under k8s/generated/ from the code's own facts
(service names, ports, settings, who calls whom), so the manifests cannot drift from it.
Run as `python -m scripts.gen_k8s`; `--check` exits 1 when the committed files are stale.
The hand-written parts of the kustomize base (namespace, MongoDB, jobs, autoscaling) live
beside them in k8s/."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from common.settings import DEFAULT_PORTS, METRICS_PORT_OFFSET
from scripts.gen_config_doc import rows

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "k8s"
RULES = ROOT / "monitoring" / "prometheus" / "rules.yml"

SERVICE_IMAGE = "lastmile/service"
GATEWAY_IMAGE = "lastmile/gateway"
HTTP_PORT = 8080
MONGO_PORT = 27017
DRAIN_GRACE_S = 10
PRESTOP_PAUSE_S = 5
# SIGTERM arrives after the preStop pause; draining takes up to DRAIN_GRACE_S; then margin.
TERMINATION_GRACE_S = PRESTOP_PAUSE_S + DRAIN_GRACE_S + 15

# Who calls whom (gRPC), as the code does; tests/test_k8s.py checks this against the code.
CALLS: dict[str, tuple[str, ...]] = {
    "user": (),
    "station": (),
    "driver": ("station", "trip"),
    "rider": ("station", "trip", "notification"),
    "location": ("station", "driver", "matching", "trip", "notification"),
    "matching": ("user", "station", "driver", "rider", "trip", "notification"),
    "trip": ("driver", "rider", "notification"),
    "notification": (),
    # The gateway calls seven of them and health-checks all eight (readyz).
    "gateway": tuple(DEFAULT_PORTS),
}
# Keys are mounted as files (never environment variables), each only where it is needed: the
# token signing key into the user service alone, the public keys (a JWK Set) into whoever
# verifies tokens, the stream-ticket key into the gateway alone.
SECRET_DIR = "/var/run/secrets/lastmile"  # a mount path  # nosec B105
# Each service's own collections: its MongoDB user's role reaches these and nothing else
# (tests/test_k8s.py checks them against the stores' code).
COLLECTIONS: dict[str, tuple[str, ...]] = {
    "user": ("users", "attempt_counters", "spent_tokens"),
    "station": ("stations",),
    "driver": ("routes",),
    "rider": ("ride_requests",),
    "location": ("driver_positions", "triggers"),
    "trip": ("trips", "ratings"),
    "notification": ("notifications", "live_positions", "live_listeners"),
}
MOUNTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    # app: (volume name, Secret or ConfigMap name, kind: "secret", "configMap" or
    # "secret:<key>" for one key of a Secret, mounted as the file `value`)
    name: (("mongodb", "lastmile-mongodb", f"secret:{name}"),)
    for name in COLLECTIONS
}
MOUNTS["user"] += (("signing-key", "lastmile-signing-key", "secret"),
                   ("token-keys", "lastmile-token-keys", "configMap"))  # fmt: skip
MOUNTS["gateway"] = (("token-keys", "lastmile-token-keys", "configMap"),
                     ("ticket-key", "lastmile-ticket-key", "secret"))  # fmt: skip
MONGODB_URI_FILE = {"name": "MONGODB_URI_FILE", "value": f"{SECRET_DIR}/mongodb/value"}
KEY_ENV: dict[str, list[dict[str, Any]]] = {
    "user": [
        {"name": "JWT_PRIVATE_KEY_FILE", "value": f"{SECRET_DIR}/signing-key/signing.pem"},
        {"name": "JWT_PUBLIC_KEYS_FILE", "value": f"{SECRET_DIR}/token-keys/jwks.json"},
    ],
    "gateway": [
        {"name": "JWT_PUBLIC_KEYS_FILE", "value": f"{SECRET_DIR}/token-keys/jwks.json"},
        {"name": "STREAM_TICKET_SECRET_FILE", "value": f"{SECRET_DIR}/ticket-key/ticket-secret"},
    ],
}  # fmt: skip
for _name in COLLECTIONS:
    KEY_ENV.setdefault(_name, []).insert(0, MONGODB_URI_FILE)

RESOURCES = {
    # Small requests so five matching replicas fit a 2-CPU minikube; limits give bursts room.
    "default": {"requests": {"cpu": "100m", "memory": "128Mi"},
                "limits": {"cpu": "500m", "memory": "256Mi"}},
    "matching": {"requests": {"cpu": "100m", "memory": "128Mi"},
                 "limits": {"cpu": "500m", "memory": "256Mi"}},
    "location": {"requests": {"cpu": "200m", "memory": "192Mi"},
                 "limits": {"cpu": "1", "memory": "384Mi"}},
    "gateway": {"requests": {"cpu": "200m", "memory": "256Mi"},
                "limits": {"cpu": "1", "memory": "512Mi"}},
}  # fmt: skip

# Settings that differ per container or come from the Secret, not from the ConfigMap.
NOT_IN_CONFIGMAP = {
    "GRPC_PORT", "METRICS_PORT", "MONGODB_URI", "MONGODB_URI_FILE", "JWT_PRIVATE_KEY_FILE",
    "JWT_KEY_ID", "JWT_PUBLIC_KEYS_FILE", "STREAM_TICKET_SECRET", "STREAM_TICKET_SECRET_FILE",
    "FRONTEND_DIST", "STATIONS_FILE",
}  # fmt: skip
CLUSTER_VALUES = {
    "GRPC_HOST": "0.0.0.0",
    "HTTP_HOST": "0.0.0.0",
    "DRAIN_GRACE_S": str(DRAIN_GRACE_S),
    "GATEWAY_WORKERS": "2",
    "MAX_CONNECTIONS": "4000",
    **{f"{s.upper()}_ADDR": f"{s}:{p}" for s, p in DEFAULT_PORTS.items()},
}


def labels(app: str) -> dict[str, str]:
    return {"app": app}


def container_security() -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "readOnlyRootFilesystem": True,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def pod_spec(app: str, container: dict[str, Any]) -> dict[str, Any]:
    return {
        "automountServiceAccountToken": False,
        "terminationGracePeriodSeconds": TERMINATION_GRACE_S,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "runAsGroup": 10001,
            "fsGroup": 10001,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [container],
        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}]
        + [_volume(name, source, kind) for name, source, kind in MOUNTS.get(app, ())],
    }


def _volume(name: str, source: str, kind: str) -> dict[str, Any]:
    if kind.startswith("secret:"):
        items = [{"key": kind.split(":", 1)[1], "path": "value"}]
        secret = {"secretName": source, "defaultMode": 0o440, "items": items}
        return {"name": name, "secret": secret}
    if kind == "secret":
        return {"name": name, "secret": {"secretName": source, "defaultMode": 0o440}}
    return {"name": name, "configMap": {"name": source, "defaultMode": 0o444}}


def env_list(app: str, extra: dict[str, str]) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = [{"name": k, "value": v} for k, v in extra.items()]
    return env + KEY_ENV.get(app, [])


def container(
    app: str, image: str, args: list[str], ports: dict[str, int], env: dict[str, str],
    probe: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    return {
        "name": app,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        **({"args": args} if args else {}),
        "ports": [{"name": n, "containerPort": p} for n, p in ports.items()],
        "envFrom": [{"configMapRef": {"name": "lastmile-config"}}],
        "env": env_list(app, env),
        "startupProbe": {**probe, "periodSeconds": 2, "failureThreshold": 30},
        "readinessProbe": {**probe, "periodSeconds": 5, "failureThreshold": 2},
        "livenessProbe": {**probe, "periodSeconds": 10, "failureThreshold": 3},
        "lifecycle": {"preStop": {"exec": {"command": ["sleep", str(PRESTOP_PAUSE_S)]}}},
        "resources": RESOURCES.get(app, RESOURCES["default"]),
        "securityContext": container_security(),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]  # an emptyDir  # nosec B108
        + [
            {"name": name, "mountPath": f"{SECRET_DIR}/{name}", "readOnly": True}
            for name, _, _ in MOUNTS.get(app, ())
        ],
    }


def deployment(app: str, pod: dict[str, Any], replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": app, "labels": labels(app)},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels(app)},
            "strategy": {"type": "RollingUpdate",
                         "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {"metadata": {"labels": labels(app)}, "spec": pod},
        },
    }  # fmt: skip


def service_objects(name: str) -> list[dict[str, Any]]:
    port = DEFAULT_PORTS[name]
    metrics = port + METRICS_PORT_OFFSET
    probe = {"grpc": {"port": port}}
    box = container(
        name, SERVICE_IMAGE, [], {"grpc": port, "metrics": metrics},
        {"SERVICE": name, "GRPC_PORT": str(port), "METRICS_PORT": str(metrics)}, probe,
    )  # fmt: skip
    # Headless: clients resolve every pod (dns:///name:port) and spread calls round_robin.
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": labels(name)},
        "spec": {
            "clusterIP": "None",
            "selector": labels(name),
            "ports": [{"name": "grpc", "port": port, "targetPort": port}],
        },
    }
    return [deployment(name, pod_spec(name, box), 1), svc]


def gateway_objects() -> list[dict[str, Any]]:
    probe = {"httpGet": {"path": "/api/v1/healthz", "port": HTTP_PORT}}
    box = container("gateway", GATEWAY_IMAGE, [], {"http": HTTP_PORT}, {}, probe)
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "gateway", "labels": labels("gateway")},
        "spec": {
            "type": "NodePort",
            "selector": labels("gateway"),
            "ports": [{"name": "http", "port": HTTP_PORT, "targetPort": HTTP_PORT,
                       "nodePort": 30080}],
        },
    }  # fmt: skip
    return [deployment("gateway", pod_spec("gateway", box), 2), svc]


def config_map() -> dict[str, Any]:
    # A setting with no default (None) is left unset, not set to the text "None".
    data = {
        name: default
        for name, default, _, _ in rows()
        if name not in NOT_IN_CONFIGMAP and default != "None"
    }
    data = {k: ("" if v == '""' else v) for k, v in data.items()}
    data.update(CLUSTER_VALUES)
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "lastmile-config"},
        "data": dict(sorted(data.items())),
    }


def _policy(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name},
        "spec": spec,
    }


def network_policies() -> list[dict[str, Any]]:
    kube_system = {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}
    dns = {
        "to": [{"namespaceSelector": kube_system,
                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }  # fmt: skip
    mongo_egress = {
        "to": [{"podSelector": {"matchLabels": labels("mongo")}}],
        "ports": [{"protocol": "TCP", "port": MONGO_PORT}],
    }
    out = [
        _policy("default-deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        _policy("allow-dns", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [dns]}),
    ]
    callers: dict[str, list[str]] = {s: [] for s in DEFAULT_PORTS}
    for caller, callees in CALLS.items():
        for callee in callees:
            callers[callee].append(caller)
    for name, port in DEFAULT_PORTS.items():
        ingress = [
            {"from": [{"podSelector": {"matchLabels": labels(c)}} for c in sorted(callers[name])],
             "ports": [{"protocol": "TCP", "port": port}]}
        ] if callers[name] else []  # fmt: skip
        egress = ([mongo_egress] if name in COLLECTIONS else []) + [
            {"to": [{"podSelector": {"matchLabels": labels(callee)}}],
             "ports": [{"protocol": "TCP", "port": DEFAULT_PORTS[callee]}]}
            for callee in CALLS[name]
        ]  # fmt: skip
        out.append(
            _policy(
                f"{name}-traffic",
                {"podSelector": {"matchLabels": labels(name)}, "policyTypes": ["Ingress", "Egress"],
                 "ingress": ingress, "egress": egress},
            )
        )  # fmt: skip
    out.append(
        _policy(
            "gateway-traffic",
            {
                "podSelector": {"matchLabels": labels("gateway")},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [{"ports": [{"protocol": "TCP", "port": HTTP_PORT}]}],
                "egress": [
                    {"to": [{"podSelector": {"matchLabels": labels(s)}}],
                     "ports": [{"protocol": "TCP", "port": DEFAULT_PORTS[s]}]}
                    for s in CALLS["gateway"]
                ],
            },
        )
    )  # fmt: skip
    mongo_clients = [*COLLECTIONS, "station-seed", "mongo-init", "create-operator"]
    out.append(
        _policy(
            "mongo-traffic",
            {
                "podSelector": {"matchLabels": labels("mongo")},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {"from": [{"podSelector": {"matchLabels": labels(c)}} for c in mongo_clients],
                     "ports": [{"protocol": "TCP", "port": MONGO_PORT}]}
                ],
            },
        )
    )  # fmt: skip
    for job in ("station-seed", "mongo-init", "create-operator"):
        out.append(
            _policy(
                f"{job}-traffic",
                {"podSelector": {"matchLabels": labels(job)}, "policyTypes": ["Egress"],
                 "egress": [mongo_egress]},
            )
        )  # fmt: skip
    return out


HEADER = "# Generated by scripts/gen_k8s.py from the code; do not edit (make k8s).\n"


def dump(objects: list[dict[str, Any]]) -> str:
    return HEADER + "---\n".join(yaml.safe_dump(o, sort_keys=False) for o in objects)


def _apps(names: list[str]) -> dict[str, Any]:
    return {"matchExpressions": [{"key": "app", "operator": "In", "values": sorted(names)}]}


# Every process that traces (the eight services and the gateway) sends spans to the collector.
TRACED_APPS = [*DEFAULT_PORTS, "gateway"]
COLLECTOR = "otel-collector"
OTLP_GRPC_PORT = 4317
COLLECTOR_METRICS_PORT = 8888
COLLECTOR_HEALTH_PORT = 13133
MONITORING_NAMESPACE = "monitoring"
PROMETHEUS_POD = {"app.kubernetes.io/name": "prometheus"}


def tracing_policies() -> list[dict[str, Any]]:
    """The tracing component's paths: each traced process to the collector's OTLP port."""
    return [
        _policy(
            "otlp-egress",
            {"podSelector": _apps(TRACED_APPS), "policyTypes": ["Egress"],
             "egress": [{"to": [{"podSelector": {"matchLabels": labels(COLLECTOR)}}],
                         "ports": [{"protocol": "TCP", "port": OTLP_GRPC_PORT}]}]},
        ),
        _policy(
            f"{COLLECTOR}-traffic",
            {"podSelector": {"matchLabels": labels(COLLECTOR)}, "policyTypes": ["Ingress"],
             "ingress": [{"from": [{"podSelector": _apps(TRACED_APPS)}],
                          "ports": [{"protocol": "TCP", "port": OTLP_GRPC_PORT}]}]},
        ),
    ]  # fmt: skip


def metrics_ports() -> dict[str, tuple[int, str]]:
    """Where each app serves Prometheus metrics: (port, path)."""
    ports = {name: (port + METRICS_PORT_OFFSET, "/metrics") for name, port in DEFAULT_PORTS.items()}
    ports["gateway"] = (HTTP_PORT, "/api/v1/metrics")
    ports[COLLECTOR] = (COLLECTOR_METRICS_PORT, "/metrics")
    return ports


def monitoring_policies() -> list[dict[str, Any]]:
    """The monitoring component's path: Prometheus pods of the monitoring namespace to each
    app's metrics port, and no other port."""
    prometheus = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": MONITORING_NAMESPACE}},
        "podSelector": {"matchLabels": PROMETHEUS_POD},
    }
    out = []
    for app, (port, _) in metrics_ports().items():
        ingress = [{"from": [prometheus], "ports": [{"protocol": "TCP", "port": port}]}]
        spec = {"podSelector": {"matchLabels": labels(app)}, "policyTypes": ["Ingress"]}
        out.append(_policy(f"{app}-scrape", {**spec, "ingress": ingress}))
    return out


def files() -> dict[str, str]:
    """Every generated file, by its path under k8s/."""
    services = [o for name in DEFAULT_PORTS for o in service_objects(name)]
    return {
        "generated/config.yaml": dump([config_map()]),
        "generated/services.yaml": dump(services),
        "generated/gateway.yaml": dump(gateway_objects()),
        "generated/network-policies.yaml": dump(network_policies()),
        "generated/mongo-collections.json": json.dumps(COLLECTIONS, indent=1) + "\n",
        "components/tracing/generated/network-policies.yaml": dump(tracing_policies()),
        "components/monitoring/generated/network-policies.yaml": dump(monitoring_policies()),
        # kustomize reads files under a component's own folder only: the repo's rules, copied.
        "components/monitoring/generated/rules.yml": RULES.read_text(),
    }


def main() -> int:
    wanted = files()
    if "--check" in sys.argv:
        stale = [n for n, text in wanted.items() if not (OUT / n).exists()
                 or (OUT / n).read_text() != text]  # fmt: skip
        if stale:
            print(f"k8s/ is stale ({', '.join(stale)}): run `make k8s`", file=sys.stderr)
            return 1
        return 0
    for name, text in wanted.items():
        (OUT / name).parent.mkdir(parents=True, exist_ok=True)
        (OUT / name).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
