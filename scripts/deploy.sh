#!/usr/bin/env bash
# Deploys LastMile with `# MongoDB: a root password, the replica set's key file, a user per service.
if [[ ! -s k8s/secrets/mongo/keyfile ]]; then
  (
    umask 077
    mkdir -p k8s/secrets/mongo/passwords k8s/secrets/mongo/uris
    head -c 32 /dev/urandom | base64 | tr -d '\n/+=' > k8s/secrets/mongo/root-password
    head -c 756 /dev/urandom | base64 | tr -d '\n' > k8s/secrets/mongo/keyfile
    for s in user station driver rider location trip notification; do
      pw=$(head -c 32 /dev/urandom | base64 | tr -d '\n/+=')
      printf '%s' "$pw" > "k8s/secrets/mongo/passwords/$s"
      printf 'mongodb://%s:%s@mongo-0.mongo:27017/?replicaSet=rs0&authSource=lastmile' \
        "$s" "$pw" > "k8s/secrets/mongo/uris/$s"
    done
  )
  echo "created k8s/secrets/mongo/ (root password, key file, a user per service)"
fi
kubectl apply -k k8s/`, first creating the keys under k8s/secrets/
# (never committed) when they are missing: the token signing key and its JWK Set, and the
# gateway's ticket key. Safe to run again. `ROLL_KEYS=1` makes a new signing key; the JWK Set
# keeps the previous one, so tokens it signed stay valid until they expire.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p k8s/secrets
if [[ ! -s k8s/secrets/signing.pem || "${ROLL_KEYS:-0}" == "1" ]]; then
  (umask 077 && .venv/bin/lastmile keys roll --private-file k8s/secrets/signing.pem \
    --kid-file k8s/secrets/signing.kid --jwks k8s/secrets/jwks.json)
fi
if [[ ! -s k8s/secrets/ticket-secret ]]; then
  (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n' > k8s/secrets/ticket-secret)
  echo "created k8s/secrets/ticket-secret"
fi
kubectl apply -k k8s/
echo "waiting for the rollout (Ctrl-C does not undo it)"
kubectl -n lastmile rollout status statefulset/mongo --timeout=300s
kubectl -n lastmile wait --for=condition=complete job/mongo-init job/station-seed --timeout=300s
for d in user station driver rider location matching trip notification gateway; do
  kubectl -n lastmile rollout status "deployment/$d" --timeout=300s
done
echo "LastMile is up: minikube service -n lastmile gateway --url, or http://<node-ip>:30080/"
