#!/usr/bin/env bash
# Makes the images' base images from Debian packages, for machines no image registry answers:
#   lastmile/base-python:bookworm  Debian bookworm's Python 3.11 (`python`, venv, CA certificates)
#   lastmile/base-node:bookworm    bookworm with this machine's Node.js and npm (the web UI build
#                                  stage only; Debian's own nodejs 18 is too old for Vite)
# Both trust what this machine trusts (its /usr/local/share/ca-certificates), so pip and npm
# inside a build reach the registries the way the machine does.
# Usage: scripts/offline_base_images.sh [--force]   (an existing base is kept unless --force)
# Needs root (mmdebstrap) and a Debian mirror: MIRROR, default http://deb.debian.org/debian.
set -euo pipefail
DOCKER=${DOCKER:-docker}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
PYTHON_BASE=lastmile/base-python:$SUITE
NODE_BASE=lastmile/base-node:$SUITE
force=${1:-}

if ! command -v mmdebstrap >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q mmdebstrap >/dev/null
  else
    echo "offline base images need mmdebstrap: sudo apt-get install mmdebstrap" >&2; exit 1
  fi
fi

# Documentation, manuals and translations are not needed in an image.
TRIM=(--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*'
      --dpkgopt='path-exclude=/usr/share/info/*')
# The machine's own certificate authorities, added to the image's trust store.
TRUST=(--customize-hook='mkdir -p "$1/usr/local/share/ca-certificates"')
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  TRUST+=(--customize-hook='copy-in /usr/local/share/ca-certificates/. /usr/local/share/ca-certificates')
fi
TRUST+=(--customize-hook='chroot "$1" update-ca-certificates --fresh >/dev/null 2>&1'
        --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*')

exists() { [ -z "$force" ] && "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

make_base() {  # name, docker import --change..., -- mmdebstrap arguments...
  local name=$1; shift
  local changes=()
  while [ "$1" != "--" ]; do changes+=(--change "$1"); shift; done; shift
  echo "making $name from Debian $SUITE packages"
  mmdebstrap --quiet --variant=minbase "${TRIM[@]}" "${TRUST[@]}" "$@" "$SUITE" - "$MIRROR" \
    | "$DOCKER" import "${changes[@]}" - "$name" >/dev/null
}

if exists "$PYTHON_BASE"; then
  echo "$PYTHON_BASE: present"
else
  make_base "$PYTHON_BASE" 'ENV LANG=C.UTF-8' 'CMD ["python"]' -- \
    --include=python3,python3-venv,python-is-python3,ca-certificates
fi

if exists "$NODE_BASE"; then
  echo "$NODE_BASE: present"
else
  node=$(command -v node || true)
  if [ -z "$node" ] || ! "$node" -e 'const [a, b] = process.versions.node.split(".").map(Number);
      process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
    echo "the web UI's build stage needs Node.js 20.19+ on this machine to copy in" >&2; exit 1
  fi
  npm_dir=$(npm root -g)/npm
  make_base "$NODE_BASE" 'ENV LANG=C.UTF-8' \
    'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' 'CMD ["node"]' -- \
    --include=ca-certificates,libstdc++6 \
    --customize-hook="copy-in $node /usr/bin" \
    --customize-hook='mkdir -p "$1/usr/lib/node_modules"' \
    --customize-hook="copy-in $npm_dir /usr/lib/node_modules" \
    --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/bin/npm"' \
    --customize-hook='ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/bin/npx"'
fi
"$DOCKER" image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' 'lastmile/base-*'
