#!/usr/bin/env bash
# The README's picture of the main job: runs `fasr run pipelines/demo.json` (the bundled model on the
# bundled sample clip) and copies the contact sheet of its longest track (most crops) to
# docs/img/demo-contact-sheet.png. Usage (repository root, after `npm ci`): scripts/demo-contact-sheet.sh
set -euo pipefail
cd "$(dirname "$0")/.."
node bin/fasr.js run pipelines/demo.json
best=$(for d in out/demo-export/*/*/track-*; do echo "$(ls "$d/crops" | wc -l) $d"; done | sort -rn | head -1 | cut -d' ' -f2-)
[ -f "$best/contact-sheet.png" ] || { echo "demo-contact-sheet: no contact sheet in $best" >&2; exit 1; }
mkdir -p docs/img
cp "$best/contact-sheet.png" docs/img/demo-contact-sheet.png
echo "docs/img/demo-contact-sheet.png <- $best/contact-sheet.png"
