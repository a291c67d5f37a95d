#!/usr/bin/env bash
# Builds the two LastMile images, tagged with the project version:
#   lastmile/service:<version>  (all eight services; SERVICE=<name> chooses one)
#   lastmile/gateway:<version>  (REST API + built web UI)
# Usage: scripts/build_images.sh [extra docker build args...]   (DOCKER=podman works too)
set -euo pipefail
cd "$(dirname "$0")/.."
DOCKER=${DOCKER:-docker}
VERSION=$(python3 -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])")
"$DOCKER" build -f Dockerfile.service -t "lastmile/service:${VERSION}" "$@" .
"$DOCKER" build -f Dockerfile.gateway -t "lastmile/gateway:${VERSION}" "$@" .
echo "built lastmile/service:${VERSION} and lastmile/gateway:${VERSION}"
