#!/usr/bin/env bash
# The shipped model's four-phase recipe (configs/README.md) for one backbone and seed, so a
# variant can be compared with the shipped model at full length, not only after 300 steps:
#   training/recipe.sh NAME BACKBONE_DIR SEED
# Resumable: a phase whose marker exists under training/runs/NAME is skipped. One torch
# thread by default (two recipes side by side on the 2-core machine).
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1 backbone=$2 seed=$3
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}
run=training/runs/$name
T=".venv/bin/relief-ner train configs/transformer.cfg --name $name"
LR=training.optimizer.learn_rate
mkdir -p training/logs "$run"
. training/phases.sh
phase 1 --paths.backbone "$backbone" --system.seed "$seed"
phase 2 --resume --$LR.initial_rate 0.00015
phase 3 --resume --$LR.initial_rate 0.0001 --training.max_steps 400 --$LR.total_steps 400
phase 4 --resume --$LR.initial_rate 0.00008
