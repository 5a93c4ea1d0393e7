#!/usr/bin/env bash
# 2026-12-05: the transfer-data recipe of 2026-12-05a with seed 1, then stage 2 and the
# combination (research/README.md, "Transfer data again"). Copy the 2026-11-23 default
# (training/runs/default-v1, research/README.md) to training/runs/mix_s1/model-last first:
# bash research/training/mix_s1.sh
set -e
cd "$(dirname "$0")/../.."
source .venv/bin/activate
LR=training.optimizer.learn_rate
relief-ner train configs/transformer.cfg --name mix_s1 --resume --system.seed 1 --paths.train corpus/mix \
    --$LR.initial_rate 0.00006 --$LR.total_steps 600 --training.max_steps 600 \
    --training.eval_frequency 100 --training.patience 0
relief-ner train configs/transformer.cfg --name mix_s1 --resume --system.seed 1 --paths.train corpus/train.spacy \
    --$LR.initial_rate 0.00004 --$LR.total_steps 300 --training.max_steps 300 \
    --training.eval_frequency 100 --training.patience 0
relief-ner train configs/relation_wide.cfg --name relation_wide_mix_s1 --paths.base training/runs/mix_s1/model-last
relief-ner combine-relations training/runs/relation_wide_mix_s1/model-last \
    --deep-from training/runs/mix_s1/model-last --out training/runs/combined_mix_s1
relief-ner evaluate --split dev -m default -m training/runs/combined_mix_s1 --json > research/eval/2026-12-05_dev_transfer-mix-seed1.json
echo ALLDONE
