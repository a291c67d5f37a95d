#!/usr/bin/env bash
# Builds the LastMile images, tagged with the project version and `latest`:
#   lastmile/service  (all eight services; SERVICE=<name> chooses one)
#   lastmile/gateway  (REST API + built web UI)
#   lastmile/devdb    (the embedded database, for compose.yaml only; never deployed)
# On the official base images when a registry answers, else on the ones
# scripts/offline_base_images.sh makes from Debian packages (BASES=official|offline forces one).
# Every build uses the host's network (no bridge network is ever made).
# Usage: scripts/build_images.sh [extra docker build args...]
set -euo pipefail
cd "$(dirname "$0")/.."
DOCKER=${DOCKER:-docker}
VERSION=$(python3 -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])")
OFFICIAL=(python:3.11.7-slim-bookworm node:20.20.2-bookworm-slim)

have_official() {
  for image in "${OFFICIAL[@]}"; do
    "$DOCKER" image inspect "$image" >/dev/null 2>&1 \
      || timeout 120 "$DOCKER" pull --quiet "$image" >/dev/null 2>&1 || return 1
  done
}

case "${BASES:-}" in
  official) bases=official ;;
  offline) bases=offline ;;
  "") if have_official; then bases=official; else bases=offline; fi ;;
  *) echo "BASES is official or offline, not ${BASES}" >&2; exit 2 ;;
esac
args=()
if [ "$bases" = offline ]; then
  echo "no registry answers: building on base images made from Debian packages"
  scripts/offline_base_images.sh
  args=(--build-arg PYTHON_BASE=lastmile/base-python:bookworm
        --build-arg NODE_BASE=lastmile/base-node:bookworm)
fi
for image in service gateway devdb; do
  started=$SECONDS
  "$DOCKER" build --quiet --force-rm --network host -f "Dockerfile.$image" "${args[@]}" \
    -t "lastmile/$image:$VERSION" -t "lastmile/$image:latest" "$@" . >/dev/null
  echo "built lastmile/$image:$VERSION in $((SECONDS - started)) s ($bases bases)"
done
