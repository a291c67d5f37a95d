# LastMile developer commands. `make test` is what CI runs (.ci/run).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
K8S_VENV ?= .venv-k8s
K8S_STAMP := $(K8S_VENV)/.installed-stamp

.PHONY: install run test lint format protos docs metro-map ui-types dashboard k8s k8s-tools ui ui-test chromium prometheus bench soak clean \
	docker-tools images compose-up compose-down

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

# The web UI: npm packages from the lock file, rebuilt when a source changes.
NPM ?= npm
UI_STAMP := frontend/node_modules/.installed-stamp
UI_SOURCES := $(shell find frontend/src -type f 2>/dev/null) frontend/index.html \
	frontend/vite.config.ts frontend/tsconfig.json

$(UI_STAMP): frontend/package.json frontend/package-lock.json
	cd frontend && $(NPM) ci --no-audit --no-fund
	@touch $@

frontend/dist/index.html: $(UI_STAMP) $(UI_SOURCES)
	cd frontend && $(NPM) run build

ui: frontend/dist/index.html

ui-test: $(UI_STAMP)
	cd frontend && $(NPM) run lint && $(NPM) test

# The browser tests drive Debian's chromium; installed here when missing (as root).
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	  else echo "chromium is missing: sudo apt-get install chromium" >&2; exit 1; fi; }

# Prometheus and promtool, from Debian: `lastmile up --observe` runs Prometheus, and the tests
# check the alert rules and the dashboard with promtool. The package's own service is not
# started (no init system here; policy-rc.d refuses it where there is one).
prometheus:
	@command -v promtool >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
	      apt-get install -y -q --no-install-recommends prometheus; \
	  else echo "prometheus is missing: sudo apt-get install prometheus" >&2; exit 1; fi; }

# The container tests' tools, from Debian: docker.io (its daemon runs with no bridge network,
# scripts/dockerd.sh), docker-compose, and mmdebstrap for base images when no registry answers.
# Installed when missing (as root); otherwise the container tests say why they are skipped.
DOCKER_TOOLS := dockerd:docker.io docker-compose:docker-compose mmdebstrap:mmdebstrap
docker-tools:
	@missing=""; for t in $(DOCKER_TOOLS); do \
	  command -v "$${t%%:*}" >/dev/null || missing="$$missing $${t#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	  else echo "missing$$missing (sudo apt-get install$$missing): container tests will be skipped" >&2; fi; \
	fi

# The images (lastmile/service, lastmile/gateway, lastmile/devdb), on the machine's Docker
# daemon or LastMile's own (.lastmile/docker, left running for compose-up; compose-down stops it).
images: docker-tools
	@host=$$(scripts/dockerd.sh start) && DOCKER_HOST=$$host scripts/build_images.sh

# The whole system from the images (compose.yaml), on http://127.0.0.1:8080; data kept in a
# volume until `docker-compose -p lastmile down --volumes`.
COMPOSE = DOCKER_HOST=$$(scripts/dockerd.sh start) docker-compose -p lastmile -f compose.yaml
compose-up: $(STAMP) images
	@$(BIN)/lastmile keys local --home .lastmile/compose $(if $(filter 0,$(shell id -u)),--owner 10001,)
	$(COMPOSE) up -d
	@echo "LastMile from its images: http://127.0.0.1:$${LASTMILE_HTTP_PORT:-8080} (make compose-down stops it)"

compose-down:
	$(COMPOSE) down --timeout 30
	scripts/dockerd.sh stop

# The whole system in the foreground (Ctrl-C stops it); `make run SIM=1` adds simulated traffic.
run: $(STAMP) ui
	$(BIN)/lastmile up $(if $(filter 1 yes true,$(SIM)),--simulate,)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# Static security checks: bandit (config in pyproject.toml) and detect-secrets against the
	@# committed, audited baseline; a new finding fails the build.
	$(BIN)/bandit -q -c pyproject.toml -r .
	$(BIN)/python scripts/check_secrets.py

format: $(STAMP) $(UI_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	cd frontend && $(NPM) run format

# Regenerate the Python code and docs/api.md from api/lastmile/v1/*.proto.
protos: $(STAMP)
	$(BIN)/python scripts/gen_protos.py

# The README's configuration table, from the settings classes.
docs: $(STAMP)
	$(BIN)/python scripts/gen_config_doc.py

# The web UI's API types: the gateway's OpenAPI document (frontend/openapi.json), then
# frontend/src/api/schema.d.ts from it; `make test` fails when either is stale.
ui-types: $(STAMP) $(UI_STAMP)
	$(BIN)/python -m scripts.gen_openapi
	cd frontend && $(NPM) run types

# The Grafana dashboard, from the panels listed in scripts/gen_dashboard.py.
dashboard: $(STAMP)
	$(BIN)/python -m scripts.gen_dashboard

# The web UI's offline metro map (frontend/src/data/metro.json), from the stations file.
metro-map: $(STAMP)
	$(BIN)/python -m scripts.gen_metro_map

# The generated per-service Kubernetes objects (k8s/generated/), from the code.
k8s: $(STAMP)
	$(BIN)/python -m scripts.gen_k8s

# Two test processes (pytest-xdist), each taking whole files, so module fixtures are shared;
# the suite waits on sleeps and subprocesses more than on the CPU (measured: 0.95 cores).
# Then the modules marked heavy (whole-system load, rate limits in time windows) on their own:
# beside another test process they measure the machine, not LastMile.
# Two by default (10.5 min against 15.5 in one). With two, user-service calls were once
# answered 503 now and then, never explained for certain; log-ins then queued behind sign-ups'
# password hashes and now have a hashing slot of their own (services/user/hashing.py), and
# clean runs with two have passed since. TEST_WORKERS=1 for one.
TEST_WORKERS ?= 2
test: lint $(K8S_STAMP) ui ui-test chromium prometheus docker-tools
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile -m "not heavy" --durations=40
	$(BIN)/pytest -m heavy tests/integration --durations=10

# The ride ledger's model-based test at length: SOAK_EXAMPLES sequences from a random seed,
# printed first; `make soak SEED=n` replays one.
SOAK_EXAMPLES ?= 2000
soak: $(STAMP)
	@seed=$${SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}; \
	echo "ledger soak: seed $$seed, $(SOAK_EXAMPLES) sequences (replay: make soak SEED=$$seed)"; \
	LEDGER_MODEL_SOAK=1 LEDGER_MODEL_EXAMPLES=$(SOAK_EXAMPLES) $(BIN)/pytest -s -q \
	  tests/integration/test_ledger_model.py -k agrees -p no:cacheprovider --hypothesis-seed=$$seed

# Benchmarks print figures and write docs/benchmarks.md; they are not part of `make test`.
bench: $(STAMP) ui
	$(BIN)/python scripts/bench_report.py

clean:
	rm -rf $(VENV) $(K8S_VENV) .pytest_cache .ruff_cache *.egg-info
