#!/usr/bin/env bash
# Start the Ray cluster for multi-node LongRLVR training, then launch run_longrl.sh on the head node.
#   scripts/ray_cluster.sh head [NODE_IP]            head node; prints the RAY_ADDRESS to export there
#   scripts/ray_cluster.sh worker HEAD_IP [NODE_IP]  every other node (same repo path and venv on every node)
#   scripts/ray_cluster.sh status | stop
# Ray runs in the foreground (--block): under srun/sbatch the step lives as long as Ray (scripts/slurm/).
# Run it with & (or RAY_BLOCK=0) on an interactive node. NODE_IP: the address other nodes reach this one at
# (default: the first of hostname -I); pass it on multi-homed nodes (InfiniBand vs Ethernet).
# Export before `ray start` on EVERY node what Ray workers must see: the judge API key variable (the one
# named by JUDGE_API_KEY_ENV, default JUDGE_API_KEY), WANDB_API_KEY, HF_HOME / model caches, NCCL settings.
# Env: RAY_PORT (6379), N_GPUS_PER_NODE (all visible GPUs when unset), N_CPUS_PER_NODE, RAY_BLOCK (1).
set -euo pipefail
PORT="${RAY_PORT:-6379}"
ARGS=()
[[ -n "${N_GPUS_PER_NODE:-}" ]] && ARGS+=(--num-gpus="$N_GPUS_PER_NODE")
[[ -n "${N_CPUS_PER_NODE:-}" ]] && ARGS+=(--num-cpus="$N_CPUS_PER_NODE")
[[ "${RAY_BLOCK:-1}" == 1 ]] && ARGS+=(--block)
node_ip() { echo "${1:-$(hostname -I | awk '{print $1}')}"; }

case "${1:-}" in
  head)
    IP="$(node_ip "${2:-}")"
    echo "on this node: export RAY_ADDRESS=$IP:$PORT NNODES=<number of nodes>"
    ray start --head --node-ip-address="$IP" --port="$PORT" --dashboard-host=127.0.0.1 "${ARGS[@]}"
    ;;
  worker)
    HEAD="${2:?usage: $0 worker HEAD_IP [NODE_IP]}"
    ray start --address="$HEAD:$PORT" --node-ip-address="$(node_ip "${3:-}")" "${ARGS[@]}"
    ;;
  status) ray status ;;
  stop) ray stop ;;
  *) sed -n '2,11p' "$0"; exit 2 ;;
esac
