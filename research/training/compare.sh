#!/usr/bin/env bash
# The dev-set comparison of issue 4 (2026-11-23/24: tokenisation, vocabulary, transfer data,
# rates), each variant trained with configs/transformer.cfg for its 300 steps. Two lanes run
# side by side with one torch thread each (2-core machine). Needs: corpus build, corpus
# transfer, corpus transfer-mix and the backbones below (configs/README.md). Results:
# training/runs/cmp-*, tabled by research/scripts/compare_report.py (research/README.md).
# Run from anywhere: bash research/training/compare.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
T=".venv/bin/relief-ner train configs/transformer.cfg"
B=training/backbone
run() {  # name backbone seed [extra overrides...]
  local name=$1 backbone=$2 seed=$3; shift 3
  grep -qs "Saved pipeline to output directory" training/runs/$name/train.log && { echo "skip $name (done)"; return; }
  $T --name "$name" --paths.backbone "$B/$backbone" --system.seed "$seed" "$@" \
    > "training/logs/$name.out" 2>&1
}
mkdir -p training/logs
lane1() {
  run cmp-char-pruned-6l-s0 e5-small-cjkchar-pruned-6l 0
  run cmp-native-pruned-6l-s0 e5-small-native-pruned-6l 0
  run cmp-char-full-6l-s0 e5-small-cjkchar-6l 0
  # transfer: 300 steps on gold train + transfer sample, then 300 on gold train only
  run cmp-char-pruned-6l-mix-s0 e5-small-cjkchar-pruned-6l 0 --paths.train corpus/mix
  if [ ! -f training/runs/cmp-char-pruned-6l-mix-s0/stage2.done ]; then
    $T --name cmp-char-pruned-6l-mix-s0 --resume --paths.train corpus/train.spacy \
      > training/logs/cmp-char-pruned-6l-mix-s0-stage2.out 2>&1
    touch training/runs/cmp-char-pruned-6l-mix-s0/stage2.done
  fi
}
lane2() {
  run cmp-char-pruned-6l-s1 e5-small-cjkchar-pruned-6l 1
  run cmp-native-pruned-6l-s1 e5-small-native-pruned-6l 1
  # the learning rate: 1e-4 for everything, or 1e-3 for the heads and 1e-4 for the encoder
  run cmp-char-pruned-6l-lr1e-4-s0 e5-small-cjkchar-pruned-6l 0 --training.optimizer.learn_rate.initial_rate 0.0001
  run cmp-char-pruned-6l-lr1e-4-s1 e5-small-cjkchar-pruned-6l 1 --training.optimizer.learn_rate.initial_rate 0.0001
  run cmp-char-pruned-6l-discr-s0 e5-small-cjkchar-pruned-6l 0 --training.optimizer.@optimizers relief.Adam.v1 \
    --training.optimizer.encoder_scale 0.1 --training.optimizer.learn_rate.initial_rate 0.001
}
case "${1:-all}" in
  lane1) lane1 ;;
  lane2) lane2 ;;
  all) lane1 & lane2 & wait ;;
esac
