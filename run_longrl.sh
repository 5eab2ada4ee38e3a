#!/usr/bin/env bash
# LongRLVR training on upstream verl 0.9.1. Settings come from the environment:
#   TRAIN_FILES, VAL_FILES (comma-separated parquet paths), MODEL_PATH, CKPT_SAVE_PATH, NNODES, N_GPUS_PER_NODE,
#   PRESET (qwen2.5-7b-instruct-1m | qwen2.5-14b-instruct-1m | llama-3.1-8b-instruct), PROJECT_NAME, EXPERIMENT_NAME,
#   JUDGE_MODE (none | external | verl), JUDGE_BASE_URLS, JUDGE_MODEL, JUDGE_API_KEY_ENV, JUDGE_MAX_CONCURRENCY,
#   JUDGE_FAILURE_POLICY (rule | exclude), JUDGE_MODEL_PATH, JUDGE_N_GPUS_PER_NODE, JUDGE_NNODES,
#   LAUNCHER (authors-root | authors-dapo: which of the authors' two launchers to follow), GPU_MEMORY_GB (the memory
#   plan's per-GPU memory when nvidia-smi is absent), RAY_ADDRESS (a pre-started Ray cluster; see docs/cluster.md).
# Each of these may also be given with the LONGRLVR_ prefix (LONGRLVR_MODEL_PATH, ...); the unprefixed name wins.
# Further arguments are hydra overrides (they win over the environment). Relaunching resumes automatically.
#   ./run_longrl.sh --dry-run            compose + validate the full config on CPU, open the data and model, print
#                                        the per-GPU memory plan (--print-config: also the composed YAML)
#   ./run_longrl.sh --rehearse           run this config on verl's real trainer on the CPU for a few steps
#                                        (or DEVICE=cpu; needs scripts/setup.sh dev,data,cpu; docs/cluster.md)
# Without a GPU and without MODEL_PATH it runs the embedded local engine (longrlvr train --engine local) instead.
# It is `python -m longrlvr train "$@"`: the same command as `longrlvr train`.
# Python: $PYTHON if set, else the repository's .venv (made by scripts/setup.sh), else python3 on PATH.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON="$(command -v python3 || command -v python)"; fi
fi
exec "$PYTHON" -m longrlvr train "$@"
