#!/usr/bin/env bash
# Run a length curriculum: one training run per phase, each resuming from the previous phase's checkpoint.
#   scripts/curriculum.sh configs/data_gen/curriculum.yaml [--backend verl|local] [hydra overrides...]
# verl phases call ./run_longrl.sh (environment as documented there); local phases call python -m longrlvr.local.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec "${PYTHON:-python}" -m data_gen.curriculum run "$@"
