#!/usr/bin/env bash
# Run a length curriculum: one training run per phase, each resuming from the previous phase's checkpoint.
#   scripts/curriculum.sh SCHEDULE [--backend verl|local] [hydra overrides...]   (SCHEDULE: shipped name or YAML path)
# verl phases call ./run_longrl.sh (environment as documented there); local phases call longrlvr train --engine local.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec "${PYTHON:-python}" -m longrlvr data curriculum run --config "$@"
