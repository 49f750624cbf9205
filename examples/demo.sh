#!/usr/bin/env bash
# `make demo`: the main job on the embedded default, end to end, in a few minutes on 2 cores.
#   synth → crop → align --show → render-labels → fit (--aux alternate) → eval → predict → export
# Re-running resumes every stage. Settings: DEMO_OUT, DEMO_COUNT, DEMO_BUDGET (training seconds).
set -euo pipefail
OUT=${DEMO_OUT:-demo-out}
COUNT=${DEMO_COUNT:-2000}
BUDGET=${DEMO_BUDGET:-240}
SHARED=${SHARED_DATA:-../shared/data}
step() { printf '\n== %s\n' "$*"; }

step "1/7 plategen synth: $COUNT CCPD-format photos"
plategen synth "$OUT/photos/synth" --count "$COUNT" --seed 0 --green-fraction 0.1
if [ -d "$SHARED/ccpd-images" ]; then
  # The real CCPD photos become the test split (their folder is named "test").
  mkdir -p "$OUT/photos/test/ccpd_real"
  for f in "$SHARED"/ccpd-images/*.jpg; do ln -sf "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")" "$OUT/photos/test/ccpd_real/"; done
  echo "added $(ls "$OUT/photos/test/ccpd_real" | wc -l) real CCPD photos from $SHARED/ccpd-images as the test split"
fi

step "2/7 plategen crop"
plategen crop "$OUT/photos" "$OUT/crops"

step "3/7 plategen align --show"
plategen align "$OUT/crops" --out "$OUT/alignment.json" --show

step "4/7 plategen render-labels"
plategen render-labels "$OUT/crops" --alignment "$OUT/alignment.json" "$OUT/shards" --preview 24

step "5/7 lprtrain fit --aux alternate (${BUDGET}s budget)"
# A re-run resumes the run; the budget counts across calls, so a finished run trains no further.
RESUME=(); [ -f "$OUT/run/train_state.pt" ] && RESUME=(--resume)
lprtrain fit "$OUT/shards" --out "$OUT/run" --aux alternate --batch-size 64 --time-budget "$BUDGET" "${RESUME[@]}"

step "6/7 lprtrain eval"
lprtrain eval "$OUT/run" "$OUT/shards" --json "$OUT/eval.json" | tee "$OUT/eval.txt"
if [ -d "$SHARED/plate-crops" ]; then
  echo; echo "-- on the 200 real crops in $SHARED/plate-crops (trained on synthetic data only):"
  lprtrain eval "$OUT/run" "$SHARED/plate-crops" --json "$OUT/eval-real.json" | tee "$OUT/eval-real.txt"
fi
lprtrain predict "$OUT/run" "$OUT/crops/test" --label-preview "$OUT/label-preview" > "$OUT/predictions.tsv" 2>/dev/null \
  || lprtrain predict "$OUT/run" "$OUT/crops/val" --label-preview "$OUT/label-preview" > "$OUT/predictions.tsv"

step "7/7 lprtrain export --onnx"
lprtrain export "$OUT/run" --onnx "$OUT/model.onnx"

step "report"
cat <<REPORT
figures:
  alignment (Fig. 3)        $OUT/alignment.png
  label preview             $OUT/shards/preview.png
  training curves           $OUT/run/curves.png
  decoder output (Fig. 12b) $OUT/label-preview/
evaluation table            $OUT/eval.txt$( [ -f "$OUT/eval-real.txt" ] && echo ", $OUT/eval-real.txt (real crops)")
predictions                 $OUT/predictions.tsv
deployable model            $OUT/run/model.safetensors, $OUT/model.onnx
REPORT
