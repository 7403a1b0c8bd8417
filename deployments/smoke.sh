#!/usr/bin/env bash
# Smoke test of the compose stack, end to end, with the CPU worker:
# builds the images (what is cached is reused), brings the stack up as its own compose project
# (artify-smoke, ports 14200 and 18333, fresh keys: a stack of yours under the name artify is left
# alone), checks that the Prefect API refuses requests without credentials, uploads the sample clip
# and painting to the bucket, registers the deployments, runs stylize-video on the sample through the
# API, checks the output in the bucket (75 frames) and fetches it through the link the run published,
# from this host's address as another machine would. It tears the stack down, volumes included, on
# success and on failure; the images stay.
#
#   deployments/smoke.sh [--host-build] [--local-base] [--keep]
#
#   --host-build  build steps on the host's network (deployments/docker-compose.host-build.yml):
#                 for a daemon without its default bridge, or a pip index on the host's loopback
#   --local-base  base images made here from Debian's packages (deployments/base-image.sh), for
#                 machines that reach no image registry; else ARTIFY_BASE_IMAGE and
#                 ARTIFY_SERVICES_BASE_IMAGE from the environment, default python:3.11-slim
#   --keep        leave the stack up afterwards (tear down with the command it prints)
#
# pip's settings for the build come from the environment (PIP_INDEX_URL, PIP_EXTRA_INDEX_URL,
# PIP_TRUSTED_HOST, PIP_FIND_LINKS, PIP_NO_INDEX); SMOKE_PREFECT_PORT and SMOKE_S3_PORT move the ports.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
host_build=0 local_base=0 keep=0
for arg in "$@"; do
    case "$arg" in
        --host-build) host_build=1 ;;
        --local-base) local_base=1 ;;
        --keep) keep=1 ;;
        *) echo "usage: $0 [--host-build] [--local-base] [--keep]" >&2; exit 2 ;;
    esac
done

project=artify-smoke bucket=artify prefix=smoke
prefect_port="${SMOKE_PREFECT_PORT:-14200}" s3_port="${SMOKE_S3_PORT:-18333}"
host="${ARTIFY_PUBLIC_HOST:-$(hostname -I | awk '{print $1}')}"
if docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi
# docker-compose 1.x gives the daemon 60 s per call; creating a container copies its whole image on
# the vfs storage driver, which takes longer than that for the worker on a slow disk.
export COMPOSE_HTTP_TIMEOUT="${COMPOSE_HTTP_TIMEOUT:-900}"
files=(-f "$here/docker-compose.yml")
[ "$host_build" = 1 ] && files+=(-f "$here/docker-compose.host-build.yml")
work="$(mktemp -d)"
C() { "${compose[@]}" --project-name "$project" --env-file "$work/env" "${files[@]}" "$@"; }
step() { printf '\n== %s (%ds)\n' "$1" "$SECONDS"; }

teardown() {
    local rc=$?
    if [ "$rc" != 0 ] && [ -s "$work/env" ]; then
        step "FAILED (exit $rc): the stack's last log lines"
        C logs --no-color --tail 60 || true
    fi
    if [ "$keep" = 1 ] && [ -s "$work/env" ]; then
        echo "left up; tear down with: ${compose[*]} --project-name $project --env-file $work/env ${files[*]} down -v"
    else
        step "tear down"
        [ -s "$work/env" ] && C down -v --remove-orphans 2>&1 | tail -n 3
        rm -rf "$work"
    fi
    echo "smoke test $([ "$rc" = 0 ] && echo PASSED || echo FAILED) in ${SECONDS}s"
    exit "$rc"
}
trap teardown EXIT

step "set-up: ${compose[*]} ($("${compose[@]}" version --short 2>/dev/null || true)), Docker $(docker version --format '{{.Server.Version}}')"
if [ "$local_base" = 1 ]; then
    export ARTIFY_BASE_IMAGE=artify-base:bookworm ARTIFY_SERVICES_BASE_IMAGE=artify-base:bookworm
    docker image inspect "$ARTIFY_BASE_IMAGE" >/dev/null 2>&1 || "$here/base-image.sh" "$ARTIFY_BASE_IMAGE"
fi
ARTIFY_PUBLIC_HOST="$host" COMPOSE_PROFILES=cpu PREFECT_PORT="$prefect_port" S3_PORT="$s3_port" \
    "$here/new-env.sh" > "$work/env.new"
# The scan registered with the sample's painting, on a schedule that does not fire during the test
# and a time zone other than the default: the registered schedule shows both reached the container.
sed -e "s|^COMPOSE_PROJECT_NAME=.*|COMPOSE_PROJECT_NAME=$project|" \
    -e "s|^ARTIFY_WATCH_STYLE=.*|ARTIFY_WATCH_STYLE=s3://$bucket/$prefix/starrynight.jpg|" \
    -e "s|^ARTIFY_WATCH_CRON=.*|ARTIFY_WATCH_CRON=0 0 1 1 *|" \
    -e "s|^ARTIFY_WATCH_TIMEZONE=.*|ARTIFY_WATCH_TIMEZONE=Europe/Paris|" \
    -e "s|^ARTIFY_BASE_IMAGE=.*|ARTIFY_BASE_IMAGE=${ARTIFY_BASE_IMAGE:-python:3.11-slim}|" \
    -e "s|^ARTIFY_SERVICES_BASE_IMAGE=.*|ARTIFY_SERVICES_BASE_IMAGE=${ARTIFY_SERVICES_BASE_IMAGE:-python:3.11-slim}|" \
    "$work/env.new" > "$work/env"
auth="$(sed -n 's/^PREFECT_API_AUTH_STRING=//p' "$work/env")"
api="http://$host:$prefect_port/api"
grep -E '^(COMPOSE_|ARTIFY_(BASE|SERVICES|STORE|WATCH|S3_PUBLIC)|PREFECT_UI)' "$work/env"

step "build"
C build > "$work/build.log" 2>&1 || { tail -n 40 "$work/build.log"; exit 1; }
grep -E '^(Building|Successfully tagged)|naming to' "$work/build.log" || true
docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E '^artify-' || true

step "stack up"
C up -d
C ps

step "the API without credentials, then with them"
code="$(curl -s -o "$work/body" -w '%{http_code}' -X POST "$api/deployments/filter" -H 'Content-Type: application/json' -d '{}')"
echo "POST $api/deployments/filter, no credentials: HTTP $code $(cat "$work/body")"
[ "$code" = 401 ] || { echo "FAIL: expected 401"; exit 1; }
code="$(curl -s -o /dev/null -w '%{http_code}' -u "wrong:password" "$api/flows/filter" -X POST -H 'Content-Type: application/json' -d '{}')"
echo "POST $api/flows/filter, wrong credentials: HTTP $code"
[ "$code" = 401 ] || { echo "FAIL: expected 401"; exit 1; }
code="$(curl -s -o /dev/null -w '%{http_code}' -u "$auth" "$api/flows/filter" -X POST -H 'Content-Type: application/json' -d '{}')"
echo "POST $api/flows/filter, with PREFECT_API_AUTH_STRING: HTTP $code"
[ "$code" = 200 ] || { echo "FAIL: expected 200"; exit 1; }
echo "GET $api/health, no credentials (health checks): HTTP $(curl -s -o /dev/null -w '%{http_code}' "$api/health")"

# The steps below run in the worker's container (its keys, API address and auth string), beside
# the worker process.
step "upload the sample"
C exec -T worker-cpu python -m deployments.smoke_check upload --bucket "$bucket" --prefix "$prefix"

step "register the deployments (pool artify-cpu)"
C exec -T worker-cpu python -m deployments.deploy --pool artify-cpu

step "run stylize-video on $prefix/bikes_3s.mp4 through the API"
C exec -T worker-cpu python -m deployments.smoke_check run --bucket "$bucket" --prefix "$prefix" | tee "$work/run.log"

step "the published link, fetched from $host as another machine would"
link="$(sed -n 's/^link: //p' "$work/run.log")"
case "$link" in http://"$host":"$s3_port"/*) ;; *) echo "FAIL: the link is not signed for http://$host:$s3_port: $link"; exit 1 ;; esac
code="$(curl -s -o "$work/linked.mp4" -w '%{http_code}' "$link")"
echo "GET ${link%%\?*}?<signature>: HTTP $code, $(stat -c %s "$work/linked.mp4") bytes"
[ "$code" = 200 ] && grep -q "$(stat -c %s "$work/linked.mp4") bytes" "$work/run.log" \
    || { echo "FAIL: the link did not serve the output"; exit 1; }
