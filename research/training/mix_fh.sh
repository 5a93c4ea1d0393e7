#!/usr/bin/env bash
# 2026-12-05: the transfer-data recipe of 2026-12-05a (mix_cont) with stage 1's relation
# head frozen (head learning rate 1e-12: its weights stay, the encoder still gets its
# gradient). Tests whether the relation loss after transfer training comes from the head
# training on (and over-fitting) the 88 documents for another 900 steps (research/README.md,
# "Transfer data with stage 1's relation head frozen"). Copy the 2026-11-23 default
# (training/runs/default-v1, research/README.md) to training/runs/mix_fh/model-last first:
# bash research/training/mix_fh.sh
set -e
cd "$(dirname "$0")/../.."
source .venv/bin/activate
LR=training.optimizer.learn_rate
HEAD=components.relief_relation_extractor.head_learn_rate
relief-ner train configs/transformer.cfg --name mix_fh --resume --paths.train corpus/mix \
    --$LR.initial_rate 0.00006 --$LR.total_steps 600 --training.max_steps 600 \
    --training.eval_frequency 100 --training.patience 0 --$HEAD 1e-12
relief-ner train configs/transformer.cfg --name mix_fh --resume --paths.train corpus/train.spacy \
    --$LR.initial_rate 0.00004 --$LR.total_steps 300 --training.max_steps 300 \
    --training.eval_frequency 100 --training.patience 0 --$HEAD 1e-12
relief-ner train configs/relation_wide.cfg --name relation_wide_mix_fh --paths.base training/runs/mix_fh/model-last
relief-ner combine-relations training/runs/relation_wide_mix_fh/model-last \
    --deep-from training/runs/mix_fh/model-last --list-threshold 0.2 --out training/runs/combined_mix_fh
relief-ner evaluate --split dev -m default -m training/runs/combined_mix_fh --json > research/eval/2026-12-05_dev_transfer-mix-frozen-head.json
echo ALLDONE
