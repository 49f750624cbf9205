#!/usr/bin/env bash
# `make demo`: the main job on the embedded default, end to end, in a few minutes on 2 cores.
#   the shipped reader on real crops and on one synthetic plate of every GA 36 kind
#   → synth → crop → align --show → render-labels
#   → a short fine-tune from the shipped reader (--aux alternate) → eval → predict → export
# Re-running resumes every stage. Settings: DEMO_OUT, DEMO_COUNT, DEMO_STEPS (fine-tune steps).
set -euo pipefail
OUT=${DEMO_OUT:-demo-out}
COUNT=${DEMO_COUNT:-2000}
STEPS=${DEMO_STEPS:-60}
SHARED=${SHARED_DATA:-../shared/data}
SHIPPED=lprtrain/models/default
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}  # see recipes/shipped_reader.sh
step() { printf '\n== %s\n' "$*"; }

step "0/7 the shipped reader ($SHIPPED, see its MODEL_CARD.md) on real crops"
if [ -d "$SHARED/real-crops" ]; then
  echo "-- the validation fifth of $SHARED/real-crops (held out of its training):"
  lprtrain eval "$SHARED/real-crops" --split val | head -3
fi
if [ -d "$SHARED/plate-crops" ]; then
  echo "-- $SHARED/plate-crops (never trained or selected on):"
  lprtrain eval "$SHARED/plate-crops" | head -3
fi

step "0/7 (cont.) the shipped reader on one synthetic plate of every kind (two-row plates included)"
seed=0
for kind in $(python -c "from plategen.plates.grammar import KINDS; print(' '.join(KINDS))"); do
  seed=$((seed + 1))
  plategen synth "$OUT/kinds/photos/$kind" --count 1 --seed "$seed" --kinds "$kind" > /dev/null 2>&1
done
plategen crop "$OUT/kinds/photos" "$OUT/kinds/crops" --mode rect > /dev/null 2>&1
# kind (from the crop index), the plate's text, then what the reader read (rows: 2 = read unfolded)
python - "$OUT/kinds/crops" <<'PY'
import json, subprocess, sys
from pathlib import Path
crops = Path(sys.argv[1])
rows = [json.loads(line) for line in (crops / "index.jsonl").read_text("utf-8").splitlines()]
out = subprocess.run(["lprtrain", "predict", "--json", *[str(crops / r["crop"]) for r in rows]],
                     capture_output=True, text=True, check=True).stdout.splitlines()
for r, line in zip(rows, out):
    got = json.loads(line)
    mark = "ok " if got["text"] == r["text"] else "MISS"
    print(f"{mark} {r['kind']:<12} {r['text']:<9} read {got['text']:<9} rows {got['rows']}  conf {got['confidence']:.3f}")
PY

step "1/7 plategen synth: $COUNT CCPD-format photos of every plate kind (the default mix)"
plategen synth "$OUT/photos/synth" --count "$COUNT" --seed 0
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

step "5/7 lprtrain fit --aux alternate: $STEPS steps of fine-tuning from the shipped reader"
# Bounded by steps, not seconds, so a busy machine gives the same run. A re-run resumes the run;
# a finished run trains no further.
RESUME=(); [ -f "$OUT/run/train_state.pt" ] && RESUME=(--resume)
lprtrain fit "$OUT/shards" --out "$OUT/run" --init "$SHIPPED" --aux alternate --batch-size 64 \
  --max-steps "$STEPS" --schedule cosine --warmup 10 --lr 5e-4 "${RESUME[@]}"

step "6/7 lprtrain eval"
lprtrain eval "$OUT/run" "$OUT/shards" --json "$OUT/eval.json" | tee "$OUT/eval.txt"
if [ -d "$SHARED/plate-crops" ]; then
  echo; echo "-- on the 200 real crops in $SHARED/plate-crops (after the synthetic fine-tune):"
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
