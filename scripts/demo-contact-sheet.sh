#!/usr/bin/env bash
# The README's picture of the main job: runs `fasr run pipelines/demo.json` (the bundled model on the
# bundled sample clip) and copies the contact sheet of its longest enhanced track (most crops among
# the tracks with a synthesized face; tracks whose face was already >= 128 px are kept native) to
# docs/img/demo-contact-sheet.png. Usage (repository root, after `npm ci`): scripts/demo-contact-sheet.sh
set -euo pipefail
cd "$(dirname "$0")/.."
node bin/fasr.js run pipelines/demo.json
best=$(for d in out/demo-export/*/*/track-*; do if ls "$d"/enhanced-*-synthesized.png >/dev/null 2>&1; then echo "$(ls "$d/crops" | wc -l) $d"; fi; done | sort -rn | head -1 | cut -d' ' -f2-)
[ -n "$best" ] || { echo "demo-contact-sheet: no track of the demo was synthesized" >&2; exit 1; }
[ -f "$best/contact-sheet.png" ] || { echo "demo-contact-sheet: no contact sheet in $best" >&2; exit 1; }
mkdir -p docs/img
cp "$best/contact-sheet.png" docs/img/demo-contact-sheet.png
echo "docs/img/demo-contact-sheet.png <- $best/contact-sheet.png"
