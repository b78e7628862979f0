#!/usr/bin/env bash
# Makes a residual-EDM training run's EMA model THE bundled default model (issue 16), in one step,
# printing each command before it runs and the wall time of each stage:
#
#   1. bundle:   scripts/bundle-model.ts --from <run dir> --replace   -> models/<card name>/ (the old bundled
#                model folder is removed: one bundled model only)
#   2. card:     scripts/model-card-metrics.ts --write-card           -> card.metrics/notes, models/<name>/metrics.{json,md}
#                (validation identities with F_M from other photos, CCTV-like and ×8 LR_0; fasr-samples; conditions
#                bicubic / true / shuffled / zero F_M; PSNR, SSIM, dlib-resnet identity cosine; the model's default sampler)
#   3. samplers: scripts/recipe-validation.ts on the BUNDLED weights  -> docs/residual-samplers.json (it names
#                models/<name> and its sha256; DEFAULT_RESIDUAL_SR_SAMPLER must be the rule's decision on it)
#   4. grid:     scripts/sr-grid.ts                                   -> docs/img/sr-grid.png
#   5. figures:  the card's tables, the samplers table, the rule's decision, what changed (git status)
#
# Usage (from the repository root):
#   scripts/bundle-residual.sh <run dir with model.json + model.safetensors> [identity-data root]
# Environment (optional): FACES (validation faces of the samplers table, default 16, at least 16),
#   CARD_FACES (validation faces per card set, default 32), SAMPLERS (default heun:1,heun:2,heun:4,heun:10),
#   LIMITATIONS (the card's limitations text), ENGINE (onnx|tfjs, default onnx), NICE (default 5).
# It commits nothing. Afterwards: check the printed figures, update DEFAULT_RESIDUAL_SR_SAMPLER if the rule's
# decision changed, then run the tests it names at the end and commit models/ docs/ (git add -A models docs).
set -euo pipefail

RUN=${1:?usage: scripts/bundle-residual.sh <run dir> [identity-data root, default out/id-celeba]}
DATA=${2:-out/id-celeba}
FACES=${FACES:-16}
CARD_FACES=${CARD_FACES:-32}
SAMPLERS=${SAMPLERS:-heun:1,heun:2,heun:4,heun:10}
ENGINE=${ENGINE:-onnx}
NICE=${NICE:-5}
LIMITATIONS=${LIMITATIONS:-"Small model trained briefly on a 2-core CPU; a stated variant of the paper (residual-EDM, docs/training.md). What it does and does not do is in this card's figures and docs/training.md; read them before trusting an output. Not for identification or any decision about people."}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
TS="nice -n $NICE node -r ts-node/register/transpile-only"

fail() { echo "bundle-residual: $*" >&2; exit 1; }
[ -f "$RUN/model.json" ] && [ -f "$RUN/model.safetensors" ] || fail "$RUN: expected model.json and model.safetensors (a training run's EMA model)"
[ -d "$DATA" ] || fail "$DATA: no identity-data root (a folder holding identity caches, e.g. out/id-celeba)"
[ "$FACES" -ge 16 ] || fail "FACES=$FACES: the samplers table needs at least 16 faces (issue 16)"
KIND=$(node -e 'const m=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));process.stdout.write(String((m.formulation||{}).kind||"vesde-score"))' "$RUN/model.json")
[ "$KIND" = residual-edm ] || fail "$RUN/model.json: formulation $KIND, expected residual-edm (this procedure bundles residual models; scripts/bundle-model.ts alone bundles others)"
NAME=$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).card.name)' "$RUN/model.json")
MODEL="models/$NAME"

T0=$(date +%s)
stage() { echo; echo "== $1 ($(date -u +%H:%M:%S) UTC, load average: $(cut -d' ' -f1-3 /proc/loadavg))"; }
run() { echo "\$ $(printf '%q ' "$@")"; local t; t=$(date +%s); "$@"; echo "   ($(( $(date +%s) - t )) s)"; }

stage "1/5 bundle $RUN as $MODEL (formulation $KIND)"
run $TS scripts/bundle-model.ts --from "$RUN" --replace --limitations "$LIMITATIONS"

stage "2/5 card metrics (validation identities, fasr-samples; true / shuffled / zero F_M; the model's default sampler)"
run $TS scripts/model-card-metrics.ts --model "$MODEL" --data "$DATA" --faces "$CARD_FACES" --engine "$ENGINE" \
  --write-card --out "$MODEL/metrics.json" --markdown "$MODEL/metrics.md"

stage "3/5 samplers table on the bundled weights ($FACES faces, $SAMPLERS) -> docs/residual-samplers.json"
run $TS scripts/recipe-validation.ts --model "$MODEL" --data "$DATA" --faces "$FACES" --samplers "$SAMPLERS" \
  --conditions true,shuffled,null --engine "$ENGINE" --json docs/residual-samplers.json

stage "4/5 grid of 16 held-out faces -> docs/img/sr-grid.png"
run $TS scripts/sr-grid.ts --model "$MODEL" --data "$DATA" --faces 16 --engine "$ENGINE" --out docs/img/sr-grid.png

stage "5/5 figures"
echo "--- $MODEL/metrics.md"
cat "$MODEL/metrics.md"
echo
echo "--- the default-sampler rule on docs/residual-samplers.json"
nice -n "$NICE" node -r ts-node/register/transpile-only -e '
const fs = require("fs");
const { DEFAULT_RESIDUAL_SR_SAMPLER, chooseResidualDefaultSampler } = require("./src/sr/enhance");
const t = JSON.parse(fs.readFileSync("docs/residual-samplers.json", "utf8"));
const m = t.models[0];
const d = chooseResidualDefaultSampler(t.rows, require("path").basename(m.dir));
console.log(`table measured on ${m.dir} (sha256 ${m.sha256.slice(0, 12)}, ${m.steps} steps)`);
console.log(`rule: ${JSON.stringify(d)}`);
const same = JSON.stringify(d.options) === JSON.stringify(DEFAULT_RESIDUAL_SR_SAMPLER);
console.log(same ? `DEFAULT_RESIDUAL_SR_SAMPLER ${JSON.stringify(DEFAULT_RESIDUAL_SR_SAMPLER)} is the decision: nothing to change`
  : `CHANGE src/sr/enhance/default-sr-sampler.ts: DEFAULT_RESIDUAL_SR_SAMPLER = ${JSON.stringify(d.options)} (now ${JSON.stringify(DEFAULT_RESIDUAL_SR_SAMPLER)})`);
'
echo
echo "--- changed (commit with: git add -A models docs/residual-samplers.json docs/img/sr-grid.png)"
git status --short models docs
echo
echo "done in $(( $(date +%s) - T0 )) s; load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "text that describes the bundled model by hand (update it to these figures): README.md ('The bundled model (models/...)'),"
echo "  docs/training.md ('The residual-EDM recipe' intro and the 'Not bundled' bullet of 'The residual run'); refresh docs/results.md"
echo "  with: node -r ts-node/register/transpile-only scripts/results-doc.ts --run all (long: it runs fasr eval on every dataset)"
echo "then run (one at a time, under nice):"
echo "  npx jest test/unit/sr/enhance/residual-default-sampler-table.test.ts test/unit/sr/enhance/default-sr-sampler.test.ts"
echo "  npx jest test/integration/sr/enhance/bundled-model.test.ts"
echo "  npx jest test/integration/cli/info.test.ts test/integration/cli/serve-command.test.ts"
echo "  npx tsc -p tsconfig.build.json && npx jest test/integration/cli/demo-pipeline.test.ts"
