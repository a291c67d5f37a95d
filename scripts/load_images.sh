#!/usr/bin/env bash
# Loads the built images into a local cluster, so no registry is needed.
# Usage: scripts/load_images.sh minikube|kind [kind cluster name]
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=$(python3 -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])")
IMAGES=("lastmile/service:${VERSION}" "lastmile/gateway:${VERSION}")
case "${1:-}" in
  minikube)
    for image in "${IMAGES[@]}"; do minikube image load "$image"; done ;;
  kind)
    kind load docker-image "${IMAGES[@]}" --name "${2:-kind}" ;;
  *)
    echo "usage: $0 minikube|kind [kind cluster name]" >&2
    exit 2 ;;
esac
echo "loaded ${IMAGES[*]} into ${1}"
