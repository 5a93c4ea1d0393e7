#!/usr/bin/env bash
# Model v2 recipe: stage 1 (encoder + NER + encoder-based relation head) in two phases of
# at most about an hour each on 2 cores, then stage 2 (the lexical relation model on the
# frozen stage 1), the combination and a dev evaluation:
#   training/recipe_v2.sh NAME SEED [BACKBONE_DIR]
# Resumable: a finished phase leaves phaseN.done under training/runs/NAME and is skipped;
# a phase cut short continues with `relief-ner train ... --resume` semantics (rerun).
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1 seed=$2 backbone=${3:-training/backbone/e5-small-cjkchar-pruned-6l}
run=training/runs/$name
T=".venv/bin/relief-ner train configs/transformer.cfg --name $name"
LR=training.optimizer.learn_rate
mkdir -p training/logs "$run"
. training/phases.sh
# Longer warm-up than v1's 30 steps: with 30, one seed in three never took off.
phase 1 --paths.backbone "$backbone" --system.seed "$seed" \
  --training.max_steps 800 --training.patience 800 --training.eval_frequency 100 \
  --$LR.warmup_steps 100 --$LR.total_steps 800 --$LR.initial_rate 0.0002
phase 2 --resume --training.max_steps 600 --training.patience 600 --training.eval_frequency 100 \
  --$LR.warmup_steps 30 --$LR.total_steps 600 --$LR.initial_rate 0.0001
if [ ! -f "$run/stage2.done" ]; then
  .venv/bin/relief-ner train configs/relation_wide.cfg --name "$name-wide" \
    --paths.base "$run/model-best" --system.seed "$seed" >> "training/logs/$name.out" 2>&1
  .venv/bin/relief-ner combine-relations "training/runs/$name-wide/model-last" \
    --deep-from "$run/model-best" --list-threshold 0.2 --out "training/runs/$name-default" \
    >> "training/logs/$name.out" 2>&1
  touch "$run/stage2.done"
fi
.venv/bin/relief-ner evaluate --split dev -m "training/runs/$name-default" --json \
  > "training/logs/$name-dev.json" 2>> "training/logs/$name.out"
