# LastMile developer commands. `make test` is what CI runs (.ci/run).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
K8S_VENV ?= .venv-k8s
K8S_STAMP := $(K8S_VENV)/.installed-stamp

.PHONY: install run test lint format protos docs k8s k8s-tools bench clean

# Create/update the virtualenv whenever the dependencies change.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "LastMile needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

install: $(STAMP)

# checkov and kubernetes-validate, in a virtualenv of their own (their pins clash with ours).
$(K8S_STAMP): k8s/requirements-check.txt
	$(PYTHON) -m venv $(K8S_VENV)
	$(K8S_VENV)/bin/pip install --quiet --disable-pip-version-check -r k8s/requirements-check.txt
	@touch $@

k8s-tools: $(K8S_STAMP)

# The whole system in the foreground (Ctrl-C stops it); `make run SIM=1` adds simulated traffic.
run: $(STAMP)
	$(BIN)/lastmile up $(if $(filter 1 yes true,$(SIM)),--simulate,)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate the Python code and docs/api.md from api/lastmile/v1/*.proto.
protos: $(STAMP)
	$(BIN)/python scripts/gen_protos.py

# The README's configuration table, from the settings classes.
docs: $(STAMP)
	$(BIN)/python scripts/gen_config_doc.py

# The generated per-service Kubernetes objects (k8s/generated/), from the code.
k8s: $(STAMP)
	$(BIN)/python -m scripts.gen_k8s

test: lint $(K8S_STAMP)
	$(BIN)/pytest

# Benchmarks print figures; they are not part of `make test`.
bench: $(STAMP)
	$(BIN)/python scripts/bench_flow.py
	$(BIN)/python scripts/bench_gateway.py

clean:
	rm -rf $(VENV) $(K8S_VENV) .pytest_cache .ruff_cache *.egg-info
