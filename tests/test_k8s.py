"""Offline checks of the Kubernetes deployment: the kustomize base builds, every object is valid
for Kubernetes 1.30, checkov passes on manifests and Dockerfiles, and the manifests agree with
the code (env vars, ports, probes, network paths, autoscaling, resources)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from opentelemetry.sdk import environment_variables as otel_environment

from common.settings import DEFAULT_PORTS, ServiceSettings
from common.tokens import write_key_pair
from scripts.gen_config_doc import rows
from scripts.gen_k8s import (
    CALLS,
    COLLECTIONS,
    COLLECTOR,
    DRAIN_GRACE_S,
    HTTP_PORT,
    MONITORING_NAMESPACE,
    OTLP_GRPC_PORT,
    PRESTOP_PAUSE_S,
    PROMETHEUS_POD,
    TRACED_APPS,
    metrics_ports,
)
from tests.promql import promtool

ROOT = Path(__file__).resolve().parent.parent
TOOLS = Path(os.environ.get("K8S_TOOLS_BIN", ROOT / ".venv-k8s" / "bin"))
KUBERNETES_VERSION = "1.30.0"
# Applied by hand, outside the kustomize base (the operators' Job).
TOOLS_MANIFESTS = ROOT / "k8s" / "tools" / "create-operator.yaml"


def _tool(name: str) -> str:
    path = TOOLS / name
    assert path.exists(), f"{path} is missing: `make test` installs it (make k8s-tools)"
    return str(path)


def _render(tmp: Path, kustomization: str) -> Path:
    """`kubectl kustomize` of a kustomization of the repo (a folder), in a copy with made-up
    secrets."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed here: the kustomize build cannot be checked")
    base = tmp / "k8s"
    shutil.copytree(ROOT / "k8s", base, ignore=shutil.ignore_patterns("secrets"))
    (base / "secrets").mkdir()
    write_key_pair(base / "secrets" / "signing.pem", base / "secrets" / "jwks.json", "k1")
    (base / "secrets" / "ticket-secret").write_text("t" * 48)
    for part in ("passwords", "uris"):
        (base / "secrets" / "mongo" / part).mkdir(parents=True)
        for service in COLLECTIONS:
            (base / "secrets" / "mongo" / part / service).write_text(f"{part}-{service}")
    (base / "secrets" / "mongo" / "root-password").write_text("r" * 32)
    (base / "secrets" / "mongo" / "keyfile").write_text("k" * 756)
    if kustomization != "k8s":
        shutil.copytree(ROOT / kustomization, tmp / kustomization)
    build = subprocess.run(
        [kubectl, "kustomize", str(tmp / kustomization)], capture_output=True, text=True
    )
    assert build.returncode == 0, build.stderr
    out = tmp / "rendered.yaml"
    out.write_text(build.stdout)
    return out


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _render(tmp_path_factory.mktemp("k8s"), "k8s")


@pytest.fixture(scope="module")
def objects(rendered: Path) -> list[dict[str, Any]]:
    return [o for o in yaml.safe_load_all(rendered.read_text()) if o]


# The base, and the base with traces to a collector and metrics open to a monitoring namespace.
DEPLOYMENTS = ["k8s", OBSERVED := "monitoring/k8s"]


@pytest.fixture(scope="module", params=DEPLOYMENTS)
def each_rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _render(tmp_path_factory.mktemp("k8s"), request.param)


@pytest.fixture(scope="module")
def each_objects(each_rendered: Path) -> list[dict[str, Any]]:
    return [o for o in yaml.safe_load_all(each_rendered.read_text()) if o]


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    rendered = _render(tmp_path_factory.mktemp("k8s"), OBSERVED)
    return [o for o in yaml.safe_load_all(rendered.read_text()) if o]


def _of_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def _containers(obj: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from obj["spec"]["template"]["spec"]["containers"]


def test_generated_manifests_are_current() -> None:
    check = subprocess.run(
        [sys.executable, "-m", "scripts.gen_k8s", "--check"], cwd=ROOT, capture_output=True
    )
    assert check.returncode == 0, check.stderr.decode()


def test_every_object_is_valid_for_kubernetes_1_30(each_rendered: Path) -> None:
    validate = subprocess.run(
        [_tool("kubernetes-validate"), "-k", KUBERNETES_VERSION, "--strict", "--quiet",
         str(each_rendered), str(TOOLS_MANIFESTS)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert validate.returncode == 0, validate.stdout + validate.stderr


def _checkov(*args: str) -> None:
    common = [_tool("checkov"), "--config-file", str(ROOT / ".checkov.yaml")]
    scan = subprocess.run([*common, *args], capture_output=True, text=True, cwd=ROOT)
    assert scan.returncode == 0, scan.stdout[-4000:] + scan.stderr[-2000:]
    assert "Passed checks" in scan.stdout


def test_checkov_passes_on_manifests(each_rendered: Path) -> None:
    _checkov("-f", str(each_rendered), "-f", str(TOOLS_MANIFESTS), "--framework", "kubernetes")


def test_checkov_passes_on_dockerfiles() -> None:
    dockerfiles = ("Dockerfile.service", "Dockerfile.gateway", "Dockerfile.devdb")
    _checkov(*(a for name in dockerfiles for a in ("-f", str(ROOT / name))), "--framework",
             "dockerfile")  # fmt: skip


def test_every_env_var_a_manifest_sets_is_read_by_the_code(each_objects: list[dict]) -> None:
    # Ours, and the OpenTelemetry SDK's standard OTEL_* variables (its exporters read them).
    read = {name for name, *_ in rows()} | {"SERVICE"} | set(dir(otel_environment))
    objects = each_objects
    config = _of_kind(objects, "ConfigMap")["lastmile-config"]["data"]
    set_by_manifests = set(config)
    for kind in ("Deployment", "StatefulSet", "Job"):
        for obj in _of_kind(objects, kind).values():
            if obj["metadata"]["name"] in ("mongo", "mongo-init", COLLECTOR):
                continue  # the MongoDB and collector images' own
            for c in _containers(obj):
                set_by_manifests |= {e["name"] for e in c.get("env", [])}
    assert set_by_manifests - read == set()


def _settings_of(deployment: dict, config: dict[str, str], name: str) -> ServiceSettings:
    (c,) = _containers(deployment)
    env = {**config, **{e["name"]: e["value"] for e in c.get("env", []) if "value" in e}}
    fields = {k.lower(): v for k, v in env.items() if k.lower() in ServiceSettings.model_fields}
    fields.pop("mongodb_uri_file", None)  # a Secret mounted in the cluster, not here
    return ServiceSettings(service_name=name, **fields)


def test_ports_and_probes_match_what_each_process_listens_on(objects: list[dict]) -> None:
    config = _of_kind(objects, "ConfigMap")["lastmile-config"]["data"]
    deployments = _of_kind(objects, "Deployment")
    services = _of_kind(objects, "Service")
    for name in DEFAULT_PORTS:
        listens = _settings_of(deployments[name], config, name).bind_port
        (c,) = _containers(deployments[name])
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert c[probe]["grpc"]["port"] == listens, (name, probe)
        assert {"name": "grpc", "containerPort": listens} in c["ports"]
        (port,) = services[name]["spec"]["ports"]
        assert port["targetPort"] == listens and services[name]["spec"]["clusterIP"] == "None"
        # Clients dial the Service name on the same port.
        assert config[f"{name.upper()}_ADDR"] == f"{name}:{listens}"
    (g,) = _containers(deployments["gateway"])
    assert int(config.get("HTTP_PORT", HTTP_PORT)) == HTTP_PORT
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert g[probe]["httpGet"] == {"path": "/api/v1/healthz", "port": HTTP_PORT}
    assert services["gateway"]["spec"]["ports"][0]["targetPort"] == HTTP_PORT


def _calls_in_code() -> dict[str, set[str]]:
    """Who calls whom, read from the code: `peers.<service>` in each service, the stubs the
    gateway asks for, and the gateway's health checks of every backend."""
    pattern = re.compile(r"peers\.(" + "|".join(DEFAULT_PORTS) + r")\b")
    calls = {}
    for name in DEFAULT_PORTS:
        text = "".join(p.read_text() for p in (ROOT / "services" / name).glob("*.py"))
        calls[name] = set(pattern.findall(text))
    gateway = "".join(p.read_text() for p in (ROOT / "gateway").rglob("*.py"))
    calls["gateway"] = set(re.findall(r"stub\(\"(\w+)\"\)", gateway))
    if "HealthStub(backends.channel(" in gateway:
        calls["gateway"] |= set(DEFAULT_PORTS)
    return calls


def _selects(selector: dict, app: str) -> bool:
    labels = {"app": app}
    wanted = selector.get("matchLabels", {})
    if not all(labels.get(k) == v for k, v in wanted.items()):
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", "only In is modelled here"
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def _allows(policies: list[dict], src: str, dst: str, port: int) -> bool:
    """Whether the NetworkPolicies let pods app=src open TCP `port` on pods app=dst (both
    directions must be allowed, as every pod is under a default deny)."""

    def rule_ok(rules: list[dict], peer_key: str, peer: str) -> bool:
        for rule in rules:
            peers = rule.get(peer_key)
            ports = rule.get("ports")
            peer_ok = peers is None or any(
                "namespaceSelector" not in p and _selects(p.get("podSelector", {}), peer)
                for p in peers
            )
            port_ok = ports is None or any(p.get("port") == port for p in ports)
            if peer_ok and port_ok:
                return True
        return False

    egress = any(
        _selects(p["spec"]["podSelector"], src) and rule_ok(p["spec"].get("egress", []), "to", dst)
        for p in policies
        if "Egress" in p["spec"]["policyTypes"]
    )
    ingress = any(
        _selects(p["spec"]["podSelector"], dst)
        and rule_ok(p["spec"].get("ingress", []), "from", src)
        for p in policies
        if "Ingress" in p["spec"]["policyTypes"]
    )
    return egress and ingress


def test_every_call_the_code_makes_is_allowed_and_nothing_else(each_objects: list[dict]) -> None:
    objects = each_objects
    policies = list(_of_kind(objects, "NetworkPolicy").values())
    assert "default-deny" in _of_kind(objects, "NetworkPolicy")
    in_code = _calls_in_code()
    declared = {k: set(v) for k, v in CALLS.items()}
    assert in_code == declared, "scripts/gen_k8s.py CALLS differs from the code"
    apps = [*DEFAULT_PORTS, "gateway"]
    for src in apps:
        for dst, port in DEFAULT_PORTS.items():
            assert _allows(policies, src, dst, port) == (dst in in_code[src]), (src, dst)
        # Only the services with collections of their own reach MongoDB.
        assert _allows(policies, src, "mongo", 27017) == (src in COLLECTIONS), src
    assert _allows(policies, "station-seed", "mongo", 27017)


def test_matching_autoscales_from_one_to_five(objects: list[dict]) -> None:
    hpa = _of_kind(objects, "HorizontalPodAutoscaler")["matching"]
    assert hpa["apiVersion"] == "autoscaling/v2"
    spec = hpa["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                      "name": "matching"}  # fmt: skip
    assert (spec["minReplicas"], spec["maxReplicas"]) == (1, 5)
    up = spec["behavior"]["scaleUp"]
    # One step may take 1 replica to 5.
    assert any(p["type"] == "Percent" and p["value"] >= 400 for p in up["policies"])
    assert spec["behavior"]["scaleDown"]["stabilizationWindowSeconds"] >= 120
    assert set(_of_kind(objects, "PodDisruptionBudget")) == {"matching", "gateway"}


def test_every_workload_has_probes_resources_and_a_locked_down_container(
    each_objects: list[dict],
) -> None:
    for kind in ("Deployment", "StatefulSet", "Job"):
        for name, obj in _of_kind(each_objects, kind).items():
            pod = obj["spec"]["template"]["spec"]
            assert pod["automountServiceAccountToken"] is False, name
            assert pod["securityContext"]["runAsNonRoot"] is True, name
            for c in _containers(obj):
                assert {"cpu", "memory"} <= set(c["resources"]["requests"]), name
                assert {"cpu", "memory"} <= set(c["resources"]["limits"]), name
                sc = c["securityContext"]
                assert sc["readOnlyRootFilesystem"] and not sc["allowPrivilegeEscalation"], name
                assert sc["capabilities"]["drop"] == ["ALL"], name
                if kind != "Job":
                    assert {"startupProbe", "readinessProbe", "livenessProbe"} <= set(c), name
            if kind == "Deployment":
                (c,) = _containers(obj)
                # The pause that lets endpoints forget a pod before it stops: the collector's
                # image has no shell, so its pause is the kubelet's own sleep.
                pause = c["lifecycle"]["preStop"]
                assert pause.get("exec", {}).get("command") == ["sleep", str(PRESTOP_PAUSE_S)] or (
                    name == COLLECTOR and pause["sleep"]["seconds"] == PRESTOP_PAUSE_S
                ), name
                assert pod["terminationGracePeriodSeconds"] > PRESTOP_PAUSE_S + DRAIN_GRACE_S


def test_no_secret_value_is_committed(objects: list[dict]) -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "k8s"], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    assert not [f for f in tracked if f.startswith("k8s/secrets/")]
    names = {
        n if n == "lastmile-mongodb" else n.rsplit("-", 1)[0] for n in _of_kind(objects, "Secret")
    }
    assert {"lastmile-signing-key", "lastmile-ticket-key", "lastmile-mongodb"} <= names


def test_each_service_reaches_the_database_as_its_own_user(objects: list[dict]) -> None:
    stored = {}
    for store in (ROOT / "services").glob("*/store.py"):
        found = re.findall(r'db\["([a-z_]+)"\]', store.read_text())
        if found:
            stored[store.parent.name] = set(found)
    assert {k: set(v) for k, v in COLLECTIONS.items()} == stored
    for name, obj in _of_kind(objects, "Deployment").items():
        (c,) = _containers(obj)
        env = {e["name"]: e.get("value") for e in c.get("env", [])}
        volumes = {v["name"]: v for v in obj["spec"]["template"]["spec"].get("volumes", [])}
        if name in COLLECTIONS:
            assert env["MONGODB_URI_FILE"].endswith("/mongodb/value"), name
            assert volumes["mongodb"]["secret"]["items"] == [{"key": name, "path": "value"}]
        else:
            assert "mongodb" not in volumes and "MONGODB_URI_FILE" not in env, name
    config = _of_kind(objects, "ConfigMap")["lastmile-config"]["data"]
    assert "MONGODB_URI" not in config  # credentials come from each service's own file
    (mongo,) = _of_kind(objects, "StatefulSet").values()
    assert "--auth" in mongo["spec"]["template"]["spec"]["containers"][0]["args"]


def _mounted_sources(obj: dict) -> set[str]:
    volumes = obj["spec"]["template"]["spec"].get("volumes", [])
    return {
        (v.get("secret") or {}).get("secretName", "") or (v.get("configMap") or {}).get("name", "")
        for v in volumes
    } - {""}


def test_each_key_is_mounted_only_where_it_is_needed(objects: list[dict]) -> None:
    deployments = _of_kind(objects, "Deployment")
    for name, obj in deployments.items():
        sources = {s.rsplit("-", 1)[0] for s in _mounted_sources(obj)}
        signing = "lastmile-signing-key" in sources
        assert signing == (name == "user"), name
        assert ("lastmile-ticket-key" in sources) == (name == "gateway"), name
        if name in ("user", "gateway"):
            assert "lastmile-token-keys" in sources, name
        env = {e["name"] for c in _containers(obj) for e in c.get("env", [])}
        assert ("JWT_PRIVATE_KEY_FILE" in env) == (name == "user"), name


def _dockerfile(name: str) -> dict[str, list[str]]:
    """The final stage's instructions of Dockerfile.<name>, by keyword (continuations joined)."""
    text = (ROOT / f"Dockerfile.{name}").read_text().replace("\\\n", " ")
    final = re.split(r"^FROM .*$", text, flags=re.M)[-1]
    found: dict[str, list[str]] = {}
    for line in final.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            found.setdefault(keyword.upper(), []).append(rest.strip())
    return found


def _exposed(ports: list[str]) -> set[int]:
    out: set[int] = set()
    for spec in " ".join(ports).split():
        low, _, high = spec.partition("-")
        out |= set(range(int(low), int(high or low) + 1))
    return out


def _env(instructions: dict[str, list[str]]) -> dict[str, str]:
    return dict(pair.split("=", 1) for line in instructions.get("ENV", []) for pair in line.split())


def test_the_manifests_run_the_images_as_they_are_built(objects: list[dict]) -> None:
    """User, ports, entry point and writable paths of each image, as the pods assume them."""
    for name, obj in _of_kind(objects, "Deployment").items():
        (c,) = _containers(obj)
        image = c["image"].split("/")[-1].split(":")[0]
        built = _dockerfile(image)
        uid, gid = (int(x) for x in built["USER"][-1].split(":"))
        pod = obj["spec"]["template"]["spec"]
        for context in (pod["securityContext"], c["securityContext"]):
            assert (context["runAsUser"], context["runAsGroup"]) == (uid, gid), name
        assert {p["containerPort"] for p in c["ports"]} <= _exposed(built["EXPOSE"]), name
        # The image's entry point runs as it is: the pod only chooses the service.
        assert "command" not in c and "args" not in c, name
        env = {e["name"]: e.get("value") for e in c.get("env", [])}
        if image == "service":
            assert env["SERVICE"] == name.split("-")[0], name
        # A read-only root: every folder the image writes to (its WORKDIR, HOME, the metrics
        # and temporary files under them) is a volume of the pod.
        writable = {built["WORKDIR"][-1], _env(built)["HOME"]}
        mounted = {m["mountPath"] for m in c["volumeMounts"]}
        assert c["securityContext"]["readOnlyRootFilesystem"] and writable <= mounted, name


def test_compose_runs_every_service_as_the_cluster_does() -> None:
    """compose.yaml: each service once (matching twice), the images' user, the host network."""
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    envs = [s.get("environment", {}) for s in compose.values()]
    services = {env["SERVICE"] for env in envs if "SERVICE" in env}
    assert services == set(DEFAULT_PORTS)
    assert {"matching-1", "matching-2", "gateway", "db"} <= set(compose)
    uid = _dockerfile("service")["USER"][-1]
    for name, s in compose.items():
        assert s["network_mode"] == "host", name
        if s["image"].startswith("lastmile/"):
            assert s["user"] == uid and s["read_only"] and s["cap_drop"] == ["ALL"], name
            assert s["restart"] == "on-failure", name


# --- the observed deployment: traces to a collector, metrics open to a monitoring namespace ---


def _collector_config(objects: list[dict]) -> dict[str, Any]:
    (config,) = (
        o for o in objects
        if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("otel-collector-config")
    )  # fmt: skip
    return yaml.safe_load(config["data"]["config.yaml"])


def _port_of(endpoint: str) -> int:
    return int(endpoint.rsplit(":", 1)[1])


def test_every_process_sends_its_spans_to_the_collector(
    objects: list[dict], observed: list[dict]
) -> None:
    base = _of_kind(objects, "ConfigMap")["lastmile-config"]["data"]
    assert base["OTEL_TRACES_EXPORTER"] == "none"
    config = _of_kind(observed, "ConfigMap")["lastmile-config"]["data"]
    deployments = _of_kind(observed, "Deployment")
    for name in DEFAULT_PORTS:
        assert _settings_of(deployments[name], config, name).trace_exporters == {"otlp"}, name
    # The endpoint is the collector's Service, on the port its OTLP receiver listens on.
    endpoint = urlsplit(config["OTEL_EXPORTER_OTLP_ENDPOINT"])
    service = _of_kind(observed, "Service")[endpoint.hostname]
    (port,) = service["spec"]["ports"]
    assert port["port"] == endpoint.port
    (collector,) = _containers(deployments[COLLECTOR])
    ports = {p["name"]: p["containerPort"] for p in collector["ports"]}
    collector_config = _collector_config(observed)
    grpc_receiver = collector_config["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"]
    assert port["targetPort"] == ports["otlp-grpc"] == _port_of(grpc_receiver)
    # Its pipeline names only what it defines; probes and metrics on the ports it serves.
    service_config = collector_config["service"]
    for kind in ("receivers", "processors", "exporters"):
        assert set(service_config["pipelines"]["traces"][kind]) <= set(collector_config[kind])
    assert set(service_config["extensions"]) <= set(collector_config["extensions"])
    health = _port_of(collector_config["extensions"]["health_check"]["endpoint"])
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert collector[probe]["httpGet"]["port"] == health == ports["health"]
    (reader,) = service_config["telemetry"]["metrics"]["readers"]
    assert reader["pull"]["exporter"]["prometheus"]["port"] == ports["metrics"]
    # The configuration it reads is the one mounted (the generated, hashed ConfigMap).
    (mount,) = collector["volumeMounts"]
    volume = next(v for v in deployments[COLLECTOR]["spec"]["template"]["spec"]["volumes"])
    assert volume["configMap"]["name"].startswith("otel-collector-config-")
    assert collector["args"] == [f"--config={mount['mountPath']}/config.yaml"]
    # Every traced process may reach it on that port; it reaches nothing of ours.
    policies = list(_of_kind(observed, "NetworkPolicy").values())
    for app in TRACED_APPS:
        assert _allows(policies, app, COLLECTOR, OTLP_GRPC_PORT), app
    for dst, grpc_port in {**DEFAULT_PORTS, "mongo": 27017}.items():
        assert not _allows(policies, COLLECTOR, dst, grpc_port), dst
    assert not _allows(policies, "mongo", COLLECTOR, OTLP_GRPC_PORT)


def _admits_monitoring(policies: list[dict], app: str, port: int) -> bool:
    """Whether an Ingress policy lets the monitoring namespace's Prometheus pods open `port` on
    pods app=`app`."""
    for policy in policies:
        spec = policy["spec"]
        if "Ingress" not in spec["policyTypes"] or not _selects(spec["podSelector"], app):
            continue
        for rule in spec.get("ingress", []):
            peers = rule.get("from", [])
            from_monitoring = any(
                p.get("namespaceSelector", {}).get("matchLabels", {}).get(
                    "kubernetes.io/metadata.name") == MONITORING_NAMESPACE
                and p.get("podSelector", {}).get("matchLabels") == PROMETHEUS_POD
                for p in peers
            )  # fmt: skip
            if (from_monitoring or not peers) and any(
                p.get("port") == port for p in rule.get("ports", [])
            ):
                return True
    return False


def test_the_monitoring_namespace_reaches_every_metrics_port_and_nothing_else(
    objects: list[dict], observed: list[dict]
) -> None:
    policies = list(_of_kind(observed, "NetworkPolicy").values())
    config = _of_kind(observed, "ConfigMap")["lastmile-config"]["data"]
    deployments = _of_kind(observed, "Deployment")
    for app, (port, _) in metrics_ports().items():
        (c,) = _containers(deployments[app])
        assert port in {p["containerPort"] for p in c["ports"]}, app
        if app in DEFAULT_PORTS:
            assert _settings_of(deployments[app], config, app).bind_metrics_port == port, app
            assert not _admits_monitoring(policies, app, DEFAULT_PORTS[app]), app
        assert _admits_monitoring(policies, app, port), app
    assert not _admits_monitoring(policies, "mongo", 27017)
    # Without the component, the monitoring namespace reaches no metrics port.
    base = list(_of_kind(objects, "NetworkPolicy").values())
    assert not any(_admits_monitoring(base, a, p) for a, (p, _) in metrics_ports().items()
                   if a in DEFAULT_PORTS)  # fmt: skip
    # Its Prometheus may discover the pods here, and do nothing else.
    (role,) = _of_kind(observed, "Role").values()
    assert role["rules"] == [{"apiGroups": [""], "resources": ["pods"],
                              "verbs": ["get", "list", "watch"]}]  # fmt: skip
    (binding,) = _of_kind(observed, "RoleBinding").values()
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "prometheus", "namespace": MONITORING_NAMESPACE}
    ]


def _expand(replacement: str, match: re.Match[str]) -> str:
    groups = (match[0], *match.groups())
    return re.sub(r"\$(\d+)", lambda m: groups[int(m[1])] or "", replacement)


def _relabel(labels: dict[str, str], configs: list[dict]) -> dict[str, str] | None:
    """Prometheus's `keep` and `replace` relabelling (what scrape.yml uses); None if dropped."""
    labels = dict(labels)
    for step in configs:
        value = step.get("separator", ";").join(
            labels.get(s, "") for s in step.get("source_labels", [])
        )
        match = re.fullmatch(step.get("regex", "(.*)"), value)
        action = step.get("action", "replace")
        if action == "keep":
            if match is None:
                return None
        elif action == "replace":
            if match is not None:
                labels[step["target_label"]] = _expand(step.get("replacement", "$1"), match)
        else:
            raise AssertionError(f"relabel action {action} is not modelled here")
    return labels


def test_the_scrape_configuration_finds_every_metrics_endpoint_and_loads_with_the_rules(
    observed: list[dict], tmp_path: Path
) -> None:
    shipped = _of_kind(observed, "ConfigMap")["lastmile-prometheus"]["data"]
    assert shipped["rules.yml"] == (ROOT / "monitoring" / "prometheus" / "rules.yml").read_text()
    scrape = yaml.safe_load(shipped["scrape.yml"])["scrape_configs"]
    (namespace,) = _of_kind(observed, "Namespace")
    for job in scrape:
        (sd,) = job["kubernetes_sd_configs"]
        assert sd == {"role": "pod", "namespaces": {"names": [namespace]}}
    # Debian's Prometheus is built without Kubernetes discovery: promtool checks the rest of
    # each job (relabelling, paths) with the discovery swapped for a static one.
    (tmp_path / "rules.yml").write_text(shipped["rules.yml"])
    static = [
        {**{k: v for k, v in job.items() if k != "kubernetes_sd_configs"},
         "static_configs": [{"targets": ["127.0.0.1:9100"]}]}
        for job in scrape
    ]  # fmt: skip
    prometheus = {"rule_files": ["rules.yml"], "scrape_configs": static}
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(prometheus))
    check = subprocess.run(
        [promtool(), "check", "config", str(tmp_path / "prometheus.yml")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    # What service discovery would give for every container port of every pod.
    found = set()
    for name, obj in _of_kind(observed, "Deployment").items():
        if name == "mongo":
            continue
        for c in _containers(obj):
            for port in c["ports"]:
                meta = {
                    "__address__": f"10.0.0.1:{port['containerPort']}",
                    "__meta_kubernetes_pod_name": f"{name}-abc12",
                    "__meta_kubernetes_pod_label_app": name,
                    "__meta_kubernetes_pod_container_port_name": port.get("name", ""),
                }
                for job in scrape:
                    target = _relabel(meta, job["relabel_configs"])
                    if target is not None:
                        found.add((target["job"], port["containerPort"],
                                   job.get("metrics_path", "/metrics")))  # fmt: skip
                        assert target["instance"] == f"{name}-abc12"
    wanted = {(app, port, path) for app, (port, path) in metrics_ports().items()}
    assert found == wanted
    # The jobs the rules name are jobs the scrape configuration gives.
    named = set(re.findall(r'job=~?"([a-z-]+)"', shipped["rules.yml"]))
    assert named and named <= {job for job, _, _ in found}
