import type { EvalReport } from '../run-eval';

/** Row labels of the paper's Table I for each method (and the two controls). */
export const EVAL_METHOD_LABELS: Readonly<Record<string, string>> = Object.freeze({
  bicubic: 'Bicubic (LR)',
  esrgan: 'ESRGAN-thick x8 (esrgan)',
  'sr-nofeat': 'SR, F_M = 0 (sr-nofeat)',
  'fasr-shuffled': "SR, another identity's F_M (fasr-shuffled)",
  fasr: 'FASR (F_M)',
  hr: 'HR',
});

/** Column name of a recognition embedder: the one that conditioned the model is marked "(cond.)". */
function embedderColumn(report: EvalReport, name: string): string {
  return report.conditioningEmbedder !== null && report.conditioningEmbedder.name === name ? `${name} (cond.)` : name;
}

/** A signed difference and its interval, scaled (1 for AUC, 100 for rates in %). */
function formatDifference(d: { readonly difference: number; readonly ci: readonly [number, number] }, scale: number, digits: number): string {
  const f = (v: number): string => `${v >= 0 ? '+' : '−'}${Math.abs(v * scale).toFixed(digits)}`;
  return `${f(d.difference)} [${f(d.ci[0])}, ${f(d.ci[1])}]`;
}

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
 * recognition embedder (the headline one first; the conditioning one marked "(cond.)") the columns
 * AUC, Rank-1, Rank-5, Rank-10 (%, ties at random order), then PSNR, PSNR-Y (dB) and SSIM to HR.
 */
export function formatResultsTable(report: EvalReport): string {
  const emb = report.recognitionEmbedders.map((e) => e.name);
  const head = ['Method', ...emb.flatMap((e) => [`${embedderColumn(report, e)} AUC`, `${embedderColumn(report, e)} Rank-1 %`, `${embedderColumn(report, e)} Rank-5 %`, `${embedderColumn(report, e)} Rank-10 %`]), 'PSNR dB', 'PSNR-Y dB', 'SSIM'];
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
    cells.push(formatPsnr(r.imageQuality.psnrDb), formatPsnr(r.imageQuality.psnrYDb), formatSsim(r.imageQuality.ssim));
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
      lines.push(`| ${EVAL_METHOD_LABELS[method] ?? method} | ${embedderColumn(report, e.name)} | ${g.tarAtFar.map((t) => t.tar.toFixed(3)).join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

/**
 * The paired comparisons (FASR − bicubic, FASR − fasr-shuffled, …) per recognition embedder: the
 * AUC and Rank-1 differences with their paired bootstrap 95 % intervals; '' when there are none.
 */
export function formatComparisonTable(report: EvalReport): string {
  if (report.comparisons.length === 0) return '';
  const c0 = report.comparisons[0];
  const level = `${Math.round(100 * (c0?.level ?? 0.95))} %`;
  const lines = [`| Comparison | Recogniser | ΔAUC [${level} CI] | ΔRank-1 points [${level} CI] |`, '|---|---|---:|---:|'];
  for (const e of report.recognitionEmbedders) {
    for (const c of report.comparisons.filter((x) => x.embedder === e.name)) {
      lines.push(`| ${c.a} − ${c.b} | ${embedderColumn(report, e.name)} | ${formatDifference(c.auc, 1, 3)} | ${formatDifference(c.rank1, 100, 1)} |`);
    }
  }
  return lines.join('\n');
}

/** One line on which recogniser is the headline and which one conditioned the model. */
export function formatRecogniserNote(report: EvalReport): string {
  const cond = report.conditioningEmbedder;
  const headline = report.recognitionEmbedders[0];
  if (headline === undefined) return '';
  if (cond === null) return `Recognisers: ${report.recognitionEmbedders.map((e) => e.name).join(', ')} (no F_M method ran, so none conditioned the model).`;
  const others = report.recognitionEmbedders.filter((e) => e.name !== cond.name);
  const condShown = report.recognitionEmbedders.some((e) => e.name === cond.name);
  return (
    `Headline recogniser: ${headline.name}${headline.name === cond.name ? ' — it is the one that conditioned the model (F_M), so its figures may favour the F_M methods' : ', which did not condition the model'}.` +
    (condShown && headline.name !== cond.name ? ` ${cond.name} (cond.) made F_M and is shown beside it, labelled: FASR is conditioned on its descriptor, so its figures with it are not independent.` : '') +
    (others.length === 0 ? ' No independent recogniser was run.' : '')
  );
}

/** The whole results.md: the dataset as a title, the command, then {@link formatResultsBody}. */
export function formatResultsMarkdown(report: EvalReport, command: string | null): string {
  return [`# fasr eval: ${report.dataset.path}`, '', ...(command === null ? [] : ['```sh', command, '```', '']), formatResultsBody(report)].join('\n');
}

/** Settings, losses, the recogniser note, Table I, the paired differences and TAR@FAR, as Markdown (no title). */
export function formatResultsBody(report: EvalReport): string {
  const c = report.dataset.counts;
  const byStage = (st: string): number => report.dataset.losses.filter((l) => l.stage === st).length;
  const model = report.model === null ? 'none (no SR method)' : `${report.model.id} (sha256 ${report.model.sha256.slice(0, 12)}, ${report.model.imageSize}x${report.model.imageSize}, featDim ${report.model.featDim}, ${report.model.engine} on ${report.model.backend})`;
  const out = [
    `- dataset: ${report.dataset.layout}, ${c.identitiesKept} identities evaluated (${c.identitiesListed} listed of ${report.dataset.totalIdentities}); faces ${report.sizePx}x${report.sizePx}, LR ${report.sizePx / report.lrScale}x${report.sizePx / report.lrScale} (the authors' degradation, x${report.lrScale}); alignment: ${report.dataset.align}`,
    `- lost: ${byStage('read')} images unreadable, ${byStage('detect')} images without a detected face (${c.imagesListed} images examined, ${c.facesFound} faces kept), ${byStage('identity')} identities with too few faces; ${byStage('duplicate')} feature images not used because they are the gallery or probe image again (same bytes)`,
    `- model: ${model}`,
    `- sampler: ${report.sampler === null ? '—' : `${report.sampler.label}, NFE ${report.sampler.networkEvaluations} per face, seeds ${report.config.seed}…${report.config.seed + c.identitiesKept - 1}`}`,
    `- F_M: ${report.conditioningEmbedder === null ? '—' : `${report.conditioningEmbedder.id} (${report.conditioningEmbedder.dim}-d), feature images at LR (docs/eval.md's one LR rule), the probe's own image left out, 3-sigma fusion`}; recognition: ${report.recognitionEmbedders.map((e) => e.id).join(', ')}`,
    ...(report.esrgan === null ? [] : [`- esrgan: ${report.esrgan.id} (sha256 ${report.esrgan.sha256.slice(0, 12)}) on the ${report.sizePx / report.lrScale}x${report.sizePx / report.lrScale} LR`]),
    `- gallery: 1 HR image per identity; ${c.identitiesKept} genuine and ${c.identitiesKept * (c.identitiesKept - 1)} impostor pairs per method; backend ${report.backend}; wall time ${(report.wallTimeMs / 1000).toFixed(1)} s`,
    '',
    formatRecogniserNote(report),
    '',
    formatResultsTable(report),
    '',
    ...(report.comparisons.length === 0
      ? []
      : [
          `Paired differences (${report.comparisons[0]?.resamples ?? 0} bootstrap resamples of the identities, the same draw for both methods, gallery fixed; percentile intervals; seed ${report.config.seed}). With ${c.identitiesKept} identities an interval that contains 0 shows no difference.`,
          '',
          formatComparisonTable(report),
          '',
        ]),
    'Rank-k: closed-set identification over the evaluated gallery, ties counted at random order (JSON: optimistic and pessimistic too). AUC: 1:1 verification over all probe–gallery pairs, ties ½.',
    '',
    formatTarTable(report),
    '',
  ];
  return out.join('\n');
}
