import sharp from 'sharp';
import type { EvalSamples } from '../run-eval';
import { EVAL_METHOD_LABELS } from './format-results-table';

/** Nearest-neighbour enlargement of an RGB HWC image by an integer factor. */
function enlarge(rgb: Uint8Array, size: number, factor: number): Uint8Array {
  const out = new Uint8Array(size * factor * size * factor * 3);
  const w = size * factor;
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) {
      const src = (Math.floor(y / factor) * size + Math.floor(x / factor)) * 3;
      const dst = (y * w + x) * 3;
      out[dst] = rgb[src] ?? 0;
      out[dst + 1] = rgb[src + 1] ?? 0;
      out[dst + 2] = rgb[src + 2] ?? 0;
    }
  }
  return out;
}

/**
 * The sample grid PNG: one row per identity, columns LR (the true size/8 image, enlarged with
 * nearest neighbours so its pixels show) | each method except hr | HR, a label row on top. Cells
 * are the face size, enlarged x2 or more below 96 px.
 */
export async function sampleGridPng(samples: EvalSamples, methods: readonly string[]): Promise<Buffer> {
  const cols = ['lr', ...methods.filter((m) => m !== 'hr'), 'hr'];
  const factor = Math.max(1, Math.ceil(96 / samples.sizePx));
  const cell = samples.sizePx * factor;
  const gap = 4;
  const header = 40;
  const labelW = 120;
  const width = labelW + cols.length * (cell + gap);
  const height = header + samples.rows.length * (cell + gap);
  const canvas = new Uint8Array(width * height * 3).fill(255);
  const blit = (rgb: Uint8Array, x0: number, y0: number): void => {
    for (let y = 0; y < cell; y++) canvas.set(rgb.subarray(y * cell * 3, (y + 1) * cell * 3), ((y0 + y) * width + x0) * 3);
  };
  samples.rows.forEach((row, r) => {
    const y0 = header + r * (cell + gap);
    cols.forEach((c, k) => {
      const x0 = labelW + k * (cell + gap);
      let img: Uint8Array;
      if (c === 'lr') img = enlarge(row.lr, samples.lrSizePx, (samples.sizePx / samples.lrSizePx) * factor);
      else if (c === 'hr') img = enlarge(row.hr, samples.sizePx, factor);
      else img = enlarge(row.outputs[c] as Uint8Array, samples.sizePx, factor);
      blit(img, x0, y0);
    });
  });
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const label = (c: string): string => (c === 'lr' ? `LR ${samples.lrSizePx}x${samples.lrSizePx}` : c === 'hr' ? 'HR' : (EVAL_METHOD_LABELS[c] ?? c).replace(/ \(.*\)$/, ''));
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif" font-size="12">`,
    ...cols.map((c, k) => `<text x="${labelW + k * (cell + gap) + cell / 2}" y="${header - 12}" text-anchor="middle">${esc(label(c))}</text>`),
    ...samples.rows.map((row, r) => `<text x="6" y="${header + r * (cell + gap) + cell / 2 + 4}" font-size="11">${esc(row.identity.slice(0, 18))}</text>`),
    '</svg>',
  ].join('');
  return sharp(Buffer.from(canvas), { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toBuffer();
}
