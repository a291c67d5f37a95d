#!/usr/bin/env bash
# A Docker daemon of LastMile's own, for machines with none running: no bridge network, no
# iptables rules (every container and build here uses the host's network on 127.0.0.1), its
# data, state and socket under one folder.
#   scripts/dockerd.sh start [DIR]   prints the DOCKER_HOST to use (a daemon that already
#                                    answers, the environment's or DIR's, is used as it is)
#   scripts/dockerd.sh stop [DIR]    stops DIR's daemon (never one it did not start)
#   scripts/dockerd.sh purge [DIR]   stops it and deletes its images and containers
# DIR defaults to .lastmile/docker in the repository. Installs Debian's docker.io when dockerd
# is missing and this runs as root.
set -euo pipefail
cd "$(dirname "$0")/.."
command=${1:-}
dir=$(realpath -m "${2:-${LASTMILE_DOCKER_DIR:-.lastmile/docker}}")
sock="unix://$dir/docker.sock"

answers() { DOCKER_HOST=$1 timeout 10 docker info >/dev/null 2>&1; }

ours_running() { [ -f "$dir/dockerd.pid" ] && kill -0 "$(cat "$dir/dockerd.pid")" 2>/dev/null; }

start() {
  if { [ -n "${DOCKER_HOST:-}" ] || [ -S /var/run/docker.sock ]; } \
      && answers "${DOCKER_HOST:-unix:///var/run/docker.sock}"; then
    echo "${DOCKER_HOST:-unix:///var/run/docker.sock}"; return
  fi
  if answers "$sock"; then echo "$sock"; return; fi
  if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
    if [ "$(id -u)" != 0 ]; then
      echo "no Docker daemon answers and dockerd is missing: sudo apt-get install docker.io" >&2
      exit 1
    fi
    echo "installing Debian's docker.io" >&2
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
      docker.io docker-compose >/dev/null
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "no Docker daemon answers, and starting one needs root" >&2; exit 1
  fi
  mkdir -p "$dir"
  # setsid: the daemon outlives the shell that started it, not its session's Ctrl-C.
  setsid dockerd --bridge=none --iptables=false --ip6tables=false --ip-forward=false \
    --ip-masq=false --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
    --host "$sock" --log-level warn </dev/null >"$dir/dockerd.log" 2>&1 &
  for _ in $(seq 60); do
    if answers "$sock"; then echo "$sock"; return; fi
    sleep 0.5
  done
  echo "dockerd did not answer within 30 s; its log: $dir/dockerd.log" >&2
  tail -20 "$dir/dockerd.log" >&2
  exit 1
}

stop() {
  ours_running || return 0
  local pid; pid=$(cat "$dir/dockerd.pid")
  # Containers first, each within its own grace period, so none is left behind.
  if answers "$sock"; then
    mapfile -t running < <(DOCKER_HOST=$sock docker ps -q)
    if [ "${#running[@]}" -gt 0 ]; then DOCKER_HOST=$sock docker stop "${running[@]}" >/dev/null; fi
  fi
  kill -TERM "$pid"
  for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  echo "dockerd $pid did not stop within 30 s: killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

case "$command" in
  start) start "$@" ;;
  stop) stop ;;
  purge)
    stop
    # What the stopped daemon left mounted (its network namespace, say) is unmounted first;
    # nothing is deleted while anything under the folder is still mounted.
    if ! ours_running; then
      awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r \
        | while read -r mount; do umount "$mount" 2>/dev/null || umount -l "$mount" || true; done
    fi
    if grep -q " $dir/" /proc/mounts; then echo "still mounted under $dir: kept" >&2; exit 1; fi
    rm -rf "$dir" ;;
  *) echo "usage: $0 start|stop|purge [DIR]" >&2; exit 2 ;;
esac
