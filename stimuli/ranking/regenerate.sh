#!/bin/sh
# Rebuild items.csv from scratch: five outputs per prompt from two demo models
# (a 900-step and a 150-step tiny GPT-2, so the two "models" differ in quality),
# each text generated with `psyai generate` and its provenance recorded per row.
# Run from anywhere; needs the psyai command (pip install -e .). A few minutes on a CPU.
set -eu
here=stimuli/ranking
cd "$(dirname "$0")/../.."

rm -rf "$here/_model_900" "$here/_model_150" "$here/items.new.csv"
python -m psyai.models.demo "$here/_model_900" --train-steps 900
python -m psyai.models.demo "$here/_model_150" --train-steps 150

psyai generate "$here/prompts.csv" --model "$here/_model_900" --model-name psyai-demo-900 --label demo900 --out "$here/items.new.csv" \
    --n-per-prompt 3 --seed 11 --temperature 0.7 --top-p 0.95 --max-new-tokens 80 --device cpu
psyai generate "$here/prompts.csv" --model "$here/_model_150" --model-name psyai-demo-150 --label demo150 --out "$here/items.new.csv" \
    --append --n-per-prompt 2 --seed 12 --temperature 1.0 --top-p 0.95 --max-new-tokens 80 --device cpu \
    --no-language-check --max-attempts 10

psyai validate "$here/items.new.csv"
mv "$here/items.new.csv" "$here/items.csv"
