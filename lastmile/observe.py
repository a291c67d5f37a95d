"""Prometheus for a local run (`lastmile up --observe`): its configuration, and its targets,
read from the supervisor's status each time that changes (matching replicas come and go), so
every process of the run is scraped, with `job` the service and `instance` the process."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

from lastmile.layout import ROOT, RunConfig

RULES = ROOT / "monitoring" / "prometheus" / "rules.yml"
GATEWAY_METRICS_PATH = "/api/v1/metrics"


def folder(config: RunConfig) -> Path:
    return config.home / "prometheus"


def targets_file(config: RunConfig) -> Path:
    return folder(config) / "targets.json"


def prometheus_config(config: RunConfig) -> dict[str, Any]:
    return {
        "global": {"scrape_interval": "5s", "evaluation_interval": "15s"},
        "rule_files": [str(RULES)],
        "scrape_configs": [
            {
                "job_name": "lastmile",
                "file_sd_configs": [
                    {"files": [str(targets_file(config))], "refresh_interval": "5s"}
                ],
            }
        ],
    }


def targets(processes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Scrape targets of the running processes in a status document (file_sd format)."""
    out = []
    for process in processes:
        if process.get("state") != "running":
            continue
        ports = process.get("ports", {})
        name = process["name"]
        job = name.rsplit("-", 1)[0] if name.startswith("matching-") else name
        if "metrics" in ports:
            labels = {"job": job}
            address = f"127.0.0.1:{ports['metrics']}"
        elif name == "gateway":
            labels = {"job": "gateway", "__metrics_path__": GATEWAY_METRICS_PATH}
            address = f"127.0.0.1:{ports['HTTP']}"
        else:
            continue
        out.append({"targets": [address], "labels": labels})
    return out


def write_config(config: RunConfig) -> Path:
    path = folder(config) / "prometheus.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(prometheus_config(config), sort_keys=False))
    if not targets_file(config).exists():
        write_targets(config, [])
    return path


def write_targets(config: RunConfig, processes: list[dict[str, Any]]) -> None:
    """Replaces the targets file whole (Prometheus may read it at any moment)."""
    path = targets_file(config)
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(targets(processes), indent=1))
    os.replace(partial, path)
