#!/usr/bin/env bash
# Deploys LastMile with `kubectl apply -k k8s/`, first creating the JWT signing key file
# (k8s/secrets/jwt-secret, never committed) when it is missing. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -s k8s/secrets/jwt-secret ]]; then
  mkdir -p k8s/secrets
  (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n' > k8s/secrets/jwt-secret)
  echo "created k8s/secrets/jwt-secret"
fi
kubectl apply -k k8s/
echo "waiting for the rollout (Ctrl-C does not undo it)"
kubectl -n lastmile rollout status statefulset/mongo --timeout=300s
kubectl -n lastmile wait --for=condition=complete job/mongo-init job/station-seed --timeout=300s
for d in user station driver rider location matching trip notification gateway; do
  kubectl -n lastmile rollout status "deployment/$d" --timeout=300s
done
echo "LastMile is up: minikube service -n lastmile gateway --url, or http://<node-ip>:30080/"
