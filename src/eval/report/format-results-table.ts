import type { EvalReport } from '../run-eval';

/** Row labels of the paper's Table I for each method. */
export const EVAL_METHOD_LABELS: Readonly<Record<string, string>> = Object.freeze({
  bicubic: 'Bicubic (LR)',
  'sr-nofeat': 'SR, F_M = 0 (sr-nofeat)',
  fasr: 'FASR (F_M)',
  hr: 'HR',
});

/** AUC with 3 decimals. */
export const formatAuc = (v: number): string => v.toFixed(3);
/** A rate as a percentage with 1 decimal. */
export const formatRate = (v: number): string => `${(100 * v).toFixed(1)}`;
/** PSNR in dB with 2 decimals; ∞ when every output equals its HR. */
export const formatPsnr = (v: number | null): string => (v === null ? '∞' : v.toFixed(2));
/** SSIM with 3 decimals. */
export const formatSsim = (v: number): string => v.toFixed(3);

/**
 * The results as a Markdown table laid out like the paper's Table I: one row per method, per
 * recognition embedder the columns AUC, Rank-1, Rank-5, Rank-10 (%, ties at random order), then
 * PSNR (dB) and SSIM to HR.
 */
export function formatResultsTable(report: EvalReport): string {
  const emb = report.recognitionEmbedders.map((e) => e.name);
  const head = ['Method', ...emb.flatMap((e) => [`${e} AUC`, `${e} Rank-1 %`, `${e} Rank-5 %`, `${e} Rank-10 %`]), 'PSNR dB', 'SSIM'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const method of report.config.methods) {
    const r = report.results[method];
    if (r === undefined) continue;
    const cells = [EVAL_METHOD_LABELS[method] ?? method];
    for (const e of emb) {
      const g = r.recognition[e];
      if (g === undefined) cells.push('', '', '', '');
      else cells.push(formatAuc(g.auc), ...g.rank.average.map(formatRate));
    }
    cells.push(formatPsnr(r.imageQuality.psnrDb), formatSsim(r.imageQuality.ssim));
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** TAR at each FAR target per method and embedder, as a Markdown table. */
export function formatTarTable(report: EvalReport): string {
  const fars = report.config.farTargets;
  const head = ['Method', 'Embedder', ...fars.map((f) => `TAR@FAR ${f}`)];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`];
  for (const method of report.config.methods) {
    for (const e of report.recognitionEmbedders) {
      const g = report.results[method]?.recognition[e.name];
      if (g === undefined) continue;
      lines.push(`| ${EVAL_METHOD_LABELS[method] ?? method} | ${e.name} | ${g.tarAtFar.map((t) => t.tar.toFixed(3)).join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

/** The whole results.md: settings, Table I, TAR@FAR, losses. */
export function formatResultsMarkdown(report: EvalReport, command: string | null): string {
  const c = report.dataset.counts;
  const byStage = (st: string): number => report.dataset.losses.filter((l) => l.stage === st).length;
  const model = report.model === null ? 'none (no SR method)' : `${report.model.id} (sha256 ${report.model.sha256.slice(0, 12)}, ${report.model.imageSize}x${report.model.imageSize}, featDim ${report.model.featDim}, ${report.model.engine} on ${report.model.backend})`;
  const out = [
    `# fasr eval: ${report.dataset.path}`,
    '',
    ...(command === null ? [] : ['```sh', command, '```', '']),
    `- dataset: ${report.dataset.layout}, ${c.identitiesKept} identities evaluated (${c.identitiesListed} listed of ${report.dataset.totalIdentities}); faces ${report.sizePx}x${report.sizePx}, LR ${report.sizePx / report.lrScale}x${report.sizePx / report.lrScale} (the authors' degradation, x${report.lrScale}); alignment: ${report.dataset.align}`,
    `- lost: ${byStage('read')} images unreadable, ${byStage('detect')} images without a detected face (${c.imagesListed} images examined, ${c.facesFound} faces kept), ${byStage('identity')} identities with too few faces; ${byStage('duplicate')} feature images not used because they are the gallery or probe image again (same bytes)`,
    `- model: ${model}`,
    `- sampler: ${report.sampler === null ? '—' : `${report.sampler.label}, NFE ${report.sampler.networkEvaluations} per face, seeds ${report.config.seed}…${report.config.seed + c.identitiesKept - 1}`}`,
    `- F_M: ${report.conditioningEmbedder === null ? '—' : `${report.conditioningEmbedder.id} (${report.conditioningEmbedder.dim}-d), degraded feature images, 3-sigma fusion`}; recognition: ${report.recognitionEmbedders.map((e) => e.id).join(', ')}`,
    `- gallery: 1 HR image per identity; ${c.identitiesKept} genuine and ${c.identitiesKept * (c.identitiesKept - 1)} impostor pairs per method; backend ${report.backend}; wall time ${(report.wallTimeMs / 1000).toFixed(1)} s`,
    '',
    formatResultsTable(report),
    '',
    'Rank-k: closed-set identification over the evaluated gallery, ties counted at random order (JSON: optimistic and pessimistic too). AUC: 1:1 verification over all probe–gallery pairs, ties ½.',
    '',
    formatTarTable(report),
    '',
  ];
  return out.join('\n');
}
