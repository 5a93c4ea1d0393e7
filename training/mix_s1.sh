#!/usr/bin/env bash
# Session 4: session 3's transfer-data recipe with seed 1, then stage 2 and the combination
# (docs/MODEL.md, "Transfer data again"). Run from the project root: bash training/mix_s1.sh
# after copying training/runs/default-v1 to training/runs/mix_s1/model-last.
set -e
cd "$(dirname "$0")/.."
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
relief-ner evaluate --split dev -m default -m training/runs/combined_mix_s1 --json > docs/eval/dev_transfer_mix_s1.json
echo ALLDONE
