#!/usr/bin/env bash
# Prints a deployments/.env for this host: fresh random keys and auth string, and this host's
# address (the first of `hostname -I`, or $ARTIFY_PUBLIC_HOST) for the UI's API and for signed links.
#
#   deployments/new-env.sh > deployments/.env          # then review it (profile, ports, base images)
#   ARTIFY_PUBLIC_HOST=artify.example.org COMPOSE_PROFILES=cpu deployments/new-env.sh > deployments/.env
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
host="${ARTIFY_PUBLIC_HOST:-$(hostname -I 2>/dev/null | awk '{print $1}')}"
host="${host:-$(hostname -f)}"
prefect_port="${PREFECT_PORT:-4200}" s3_port="${S3_PORT:-8333}"
secret() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }  # $1 random bytes, in hex

sed -e "s|^COMPOSE_PROFILES=.*|COMPOSE_PROFILES=${COMPOSE_PROFILES:-gpu}|" \
    -e "s|^ARTIFY_S3_SECRET_KEY=.*|ARTIFY_S3_SECRET_KEY=$(secret 20)|" \
    -e "s|^PREFECT_API_AUTH_STRING=.*|PREFECT_API_AUTH_STRING=artify:$(secret 16)|" \
    -e "s|^PREFECT_UI_API_URL=.*|PREFECT_UI_API_URL=http://${host}:${prefect_port}/api|" \
    -e "s|^ARTIFY_S3_PUBLIC_ENDPOINT_URL=.*|ARTIFY_S3_PUBLIC_ENDPOINT_URL=http://${host}:${s3_port}|" \
    -e "s|^PREFECT_PORT=.*|PREFECT_PORT=${prefect_port}|" \
    -e "s|^S3_PORT=.*|S3_PORT=${s3_port}|" \
    "$here/.env.example"
