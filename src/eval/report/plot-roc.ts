import sharp from 'sharp';
import type { EvalReport } from '../run-eval';
import { EVAL_METHOD_LABELS } from './format-results-table';

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#7f7f7f', '#9467bd', '#ff7f0e'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The ROC curves as an SVG: one panel per recognition embedder (x: FAR, y: TAR, both linear
 * 0–1, grid every 0.2), one curve per method, a legend with each method's AUC.
 */
export function rocSvg(report: EvalReport): string {
  const panel = 420;
  const m = { left: 56, right: 16, top: 36, bottom: 48 };
  const plot = panel - m.left - m.right;
  const emb = report.recognitionEmbedders;
  const width = panel * emb.length;
  const height = panel + 16 + 22 * report.config.methods.length;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif" font-size="12">`, `<rect width="100%" height="100%" fill="white"/>`];
  emb.forEach((e, k) => {
    const ox = k * panel + m.left;
    const oy = m.top;
    const x = (far: number): number => ox + far * plot;
    const y = (tar: number): number => oy + (1 - tar) * plot;
    parts.push(`<text x="${ox + plot / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">ROC, ${esc(e.name)} (${report.dataset.counts.identitiesKept} identities)</text>`);
    for (let t = 0; t <= 5; t++) {
      const v = t / 5;
      parts.push(`<line x1="${x(v)}" y1="${y(0)}" x2="${x(v)}" y2="${y(1)}" stroke="#e5e5e5"/>`, `<line x1="${x(0)}" y1="${y(v)}" x2="${x(1)}" y2="${y(v)}" stroke="#e5e5e5"/>`);
      parts.push(`<text x="${x(v)}" y="${y(0) + 16}" text-anchor="middle">${v.toFixed(1)}</text>`, `<text x="${x(0) - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(1)}</text>`);
    }
    parts.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#bbbbbb" stroke-dasharray="4 4"/>`);
    parts.push(`<rect x="${x(0)}" y="${y(1)}" width="${plot}" height="${plot}" fill="none" stroke="black"/>`);
    parts.push(`<text x="${ox + plot / 2}" y="${y(0) + 36}" text-anchor="middle">false accept rate (FAR)</text>`);
    parts.push(`<text transform="translate(${ox - 40} ${oy + plot / 2}) rotate(-90)" text-anchor="middle">true accept rate (TAR)</text>`);
    report.config.methods.forEach((method, i) => {
      const r = report.results[method]?.recognition[e.name];
      if (r === undefined) return;
      const colour = COLOURS[i % COLOURS.length] as string;
      const pts = r.roc.map((p) => `${x(p.far).toFixed(2)},${y(p.tar).toFixed(2)}`).join(' ');
      parts.push(`<polyline points="${pts}" fill="none" stroke="${colour}" stroke-width="2"/>`);
      const ly = panel + 18 + 22 * i;
      parts.push(`<line x1="${ox}" y1="${ly}" x2="${ox + 24}" y2="${ly}" stroke="${colour}" stroke-width="3"/>`);
      parts.push(`<text x="${ox + 30}" y="${ly + 4}">${esc(EVAL_METHOD_LABELS[method] ?? method)}: AUC ${r.auc.toFixed(3)}</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** {@link rocSvg} rendered to PNG with sharp. */
export async function plotRocPng(report: EvalReport): Promise<Buffer> {
  return sharp(Buffer.from(rocSvg(report))).png().toBuffer();
}
