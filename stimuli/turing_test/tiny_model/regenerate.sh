#!/bin/sh
# Rebuild items.csv from scratch: the hand-written human.csv plus one text per
# prompt from the demo model, generated with `psyai generate`.
# Run from anywhere; needs the psyai command (pip install -e .). Takes 2-3 minutes on a CPU.
set -eu
here=stimuli/turing_test/tiny_model
cd "$(dirname "$0")/../../.."

rm -rf "$here/_model" "$here/items.new.csv"      # _model/ is git-ignored; items.new.csv a leftover
python -m psyai.models.demo "$here/_model"        # GPT-2 + byte-level BPE, 900 training steps, seed 0

cp "$here/human.csv" "$here/items.new.csv"
psyai generate "$here/prompts.csv" --model "$here/_model" --model-name psyai-demo-900 --label demo --out "$here/items.new.csv" \
    --append --seed 1 --temperature 0.8 --top-p 0.95 --max-new-tokens 60 --device cpu
psyai generate "$here/practice_prompts.csv" --model "$here/_model" --model-name psyai-demo-900 --label demo --out "$here/items.new.csv" \
    --append --practice --seed 1 --temperature 0.8 --top-p 0.95 --max-new-tokens 60 --device cpu

psyai validate "$here/items.new.csv"
mv "$here/items.new.csv" "$here/items.csv"
