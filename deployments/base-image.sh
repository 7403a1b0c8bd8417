#!/usr/bin/env bash
# Makes a Debian 12 base image with Python 3.11 from this machine's apt sources, for machines that
# reach no image registry (python:3.11-slim cannot be pulled): `docker import` of an mmdebstrap tree.
# Needs mmdebstrap (apt-get install mmdebstrap), about a minute.
#
#   deployments/base-image.sh artify-base:bookworm
#   then ARTIFY_BASE_IMAGE=artify-base:bookworm and ARTIFY_SERVICES_BASE_IMAGE=artify-base:bookworm in .env
set -euo pipefail
name="${1:?usage: $0 IMAGE-NAME (e.g. artify-base:bookworm)}"
mmdebstrap --quiet --variant=minbase --include=python3,python3-venv,ca-certificates bookworm - \
    | docker import --change 'CMD ["python3"]' - "$name"
docker run --rm "$name" python3 --version
