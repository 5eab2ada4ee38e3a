#!/usr/bin/env bash
# Start the Ray cluster for multi-node LongRLVR training, then launch run_longrl.sh on the head node.
#   scripts/ray_cluster.sh head              on the head node; prints the RAY_ADDRESS to export there
#   scripts/ray_cluster.sh worker HEAD_IP    on every other node (same repo path and venv on every node)
#   scripts/ray_cluster.sh status | stop
# Export before `ray start` on EVERY node what Ray workers must see: the judge API key variable (the one
# named by JUDGE_API_KEY_ENV, default JUDGE_API_KEY), HF_HOME / model caches, NCCL settings. Ray workers
# inherit the environment of the raylet they run under.
# Env: RAY_PORT (6379), N_GPUS_PER_NODE (all visible GPUs when unset).
set -euo pipefail
PORT="${RAY_PORT:-6379}"
GPUS=()
[[ -n "${N_GPUS_PER_NODE:-}" ]] && GPUS=(--num-gpus="$N_GPUS_PER_NODE")

case "${1:-}" in
  head)
    ray start --head --port="$PORT" --dashboard-host=127.0.0.1 "${GPUS[@]}"
    echo "on this node: export RAY_ADDRESS=$(hostname -I | awk '{print $1}'):$PORT NNODES=<number of nodes>"
    ;;
  worker)
    ray start --address="${2:?usage: $0 worker HEAD_IP}:$PORT" "${GPUS[@]}"
    ;;
  status) ray status ;;
  stop) ray stop ;;
  *) sed -n '2,8p' "$0"; exit 2 ;;
esac
