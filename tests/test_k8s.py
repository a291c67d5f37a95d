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

import pytest
import yaml

from common.settings import DEFAULT_PORTS, ServiceSettings
from common.tokens import write_key_pair
from scripts.gen_config_doc import rows
from scripts.gen_k8s import CALLS, COLLECTIONS, DRAIN_GRACE_S, HTTP_PORT, PRESTOP_PAUSE_S

ROOT = Path(__file__).resolve().parent.parent
TOOLS = Path(os.environ.get("K8S_TOOLS_BIN", ROOT / ".venv-k8s" / "bin"))
KUBERNETES_VERSION = "1.30.0"
# Applied by hand, outside the kustomize base (the operators' Job).
TOOLS_MANIFESTS = ROOT / "k8s" / "tools" / "create-operator.yaml"


def _tool(name: str) -> str:
    path = TOOLS / name
    assert path.exists(), f"{path} is missing: `make test` installs it (make k8s-tools)"
    return str(path)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed here: the kustomize build cannot be checked")
    base = tmp_path_factory.mktemp("k8s") / "k8s"
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
    build = subprocess.run([kubectl, "kustomize", str(base)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    out = base.parent / "rendered.yaml"
    out.write_text(build.stdout)
    return out


@pytest.fixture(scope="module")
def objects(rendered: Path) -> list[dict[str, Any]]:
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


def test_every_object_is_valid_for_kubernetes_1_30(rendered: Path) -> None:
    validate = subprocess.run(
        [_tool("kubernetes-validate"), "-k", KUBERNETES_VERSION, "--strict", "--quiet",
         str(rendered), str(TOOLS_MANIFESTS)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert validate.returncode == 0, validate.stdout + validate.stderr


def test_checkov_passes_on_manifests_and_dockerfiles(rendered: Path) -> None:
    common = [_tool("checkov"), "--config-file", str(ROOT / ".checkov.yaml")]
    for args in (
        ["-f", str(rendered), "-f", str(TOOLS_MANIFESTS), "--framework", "kubernetes"],
        ["-f", str(ROOT / "Dockerfile.service"), "-f", str(ROOT / "Dockerfile.gateway"),
         "-f", str(ROOT / "Dockerfile.devdb"),
         "--framework", "dockerfile"],
    ):  # fmt: skip
        scan = subprocess.run([*common, *args], capture_output=True, text=True, cwd=ROOT)
        assert scan.returncode == 0, scan.stdout[-4000:] + scan.stderr[-2000:]
        assert "Passed checks" in scan.stdout


def test_every_env_var_a_manifest_sets_is_read_by_the_code(objects: list[dict]) -> None:
    read = {name for name, *_ in rows()} | {"SERVICE"}
    config = _of_kind(objects, "ConfigMap")["lastmile-config"]["data"]
    set_by_manifests = set(config)
    for kind in ("Deployment", "StatefulSet", "Job"):
        for obj in _of_kind(objects, kind).values():
            if obj["metadata"]["name"] in ("mongo", "mongo-init"):
                continue  # the MongoDB image's own
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
    wanted = selector.get("matchLabels", {})
    return all({"app": app}.get(k) == v for k, v in wanted.items())


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


def test_every_call_the_code_makes_is_allowed_and_nothing_else(objects: list[dict]) -> None:
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
    objects: list[dict],
) -> None:
    for kind in ("Deployment", "StatefulSet", "Job"):
        for name, obj in _of_kind(objects, kind).items():
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
                assert c["lifecycle"]["preStop"]["exec"]["command"] == [
                    "sleep",
                    str(PRESTOP_PAUSE_S),
                ]
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
