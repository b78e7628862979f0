import { LR0_MODEL_CROP_KIND } from '../../contracts';
import type { CropRow, DetectionRow, RunRow, SourceRow, TrackDetail } from '../../store';
import { html, type SafeHtml } from '../html';
import { baseName, formatDurationMs, formatFixed, formatPtsMs, formatWallMs } from './format';
import { layout } from './layout';
import type { PageContext } from './page-context';
import { actionBlock, taskStatusBox } from './track-table';

/** F_M membership of one detection's embedding: used in F_M, rejected as an outlier, or not embedded. */
export type Membership = 'used' | 'rejected' | 'none';

/** Membership of each detection (by id) in the first F_M of the track (or of `embedderId`). */
export function membershipByDetection(detail: TrackDetail, embedderId?: string): Map<number, Membership> {
  const fused = embedderId === undefined ? detail.fused[0] : detail.fused.find((f) => f.embedderId === embedderId);
  const out = new Map<number, Membership>();
  for (const d of detail.detections) out.set(d.id, 'none');
  if (fused === undefined) return out;
  const used = new Set(fused.memberEmbeddingIds);
  const rejected = new Set(fused.rejectedEmbeddingIds);
  for (const e of detail.embeddings) {
    if (e.modelId !== fused.embedderId) continue;
    if (used.has(e.id)) out.set(e.detectionId, 'used');
    else if (rejected.has(e.id)) out.set(e.detectionId, 'rejected');
  }
  return out;
}

/** The crop that best shows a detection's face: the model-size aligned crop, else aligned-full, else LR_0's, else any. */
export function displayCrop(crops: readonly CropRow[]): CropRow | undefined {
  return crops.find((c) => /^aligned\d+$/.test(c.kind)) ?? crops.find((c) => c.kind === 'aligned-full') ?? crops.find((c) => c.kind === LR0_MODEL_CROP_KIND) ?? crops[0];
}

/** 'totalMs 581.7, networkMs 499.3' (one decimal). */
function formatTimings(t: Readonly<Record<string, number>>): string {
  return Object.entries(t).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ');
}

const CHART_W = 800;
const CHART_H = 160;

/** Quality over stream time; each dot marked by F_M membership, LR_0 ringed. */
function qualityChart(detections: readonly DetectionRow[], membership: ReadonlyMap<number, Membership>, lr0Id: number): SafeHtml {
  if (detections.length === 0) return html``;
  const t0 = Math.min(...detections.map((d) => d.ptsMs));
  const t1 = Math.max(...detections.map((d) => d.ptsMs), t0 + 1);
  const x = (ms: number): number => Math.round(20 + ((ms - t0) / (t1 - t0)) * (CHART_W - 40));
  const y = (q: number): number => Math.round(CHART_H - 15 - q * (CHART_H - 30));
  const line = detections.map((d) => `${x(d.ptsMs)},${y(d.quality)}`).join(' ');
  const dots = detections.map(
    (d) => html`<circle class="dot dot-${membership.get(d.id) ?? 'none'}${d.id === lr0Id ? ' dot-lr0' : ''}" cx="${x(d.ptsMs)}" cy="${y(d.quality)}" r="${d.id === lr0Id ? 6 : 3.5}"><title>${formatPtsMs(d.ptsMs)}: quality ${formatFixed(d.quality, 3)} (${membership.get(d.id) ?? 'none'}${d.id === lr0Id ? ', LR_0' : ''})</title></circle>`,
  );
  return html`<svg id="quality-chart" class="chart" role="img" aria-label="quality over time" viewBox="0 0 ${CHART_W} ${CHART_H}" width="100%" xmlns="http://www.w3.org/2000/svg">
<line class="axis" x1="20" x2="${CHART_W - 20}" y1="${y(0)}" y2="${y(0)}"></line><line class="axis" x1="20" x2="${CHART_W - 20}" y1="${y(1)}" y2="${y(1)}"></line>
<text x="2" y="${y(1) + 4}">1</text><text x="2" y="${y(0) + 4}">0</text>
<polyline class="qline" points="${line}"></polyline>${dots}</svg>`;
}

export interface TrackPageInput {
  readonly detail: TrackDetail;
  readonly source: SourceRow;
  /** The run that wrote the track, when it is still in the store. */
  readonly run: RunRow | null;
}

/**
 * GET /tracks/:id: LR_0 and the enhanced faces side by side, enhance / re-run / export, F_M and
 * its membership, quality over time, every detection with its crops, and the provenance.
 */
export function trackPage(input: TrackPageInput, ctx: PageContext): string {
  const { detail, source, run } = input;
  const t = detail.track;
  const membership = membershipByDetection(detail);
  const cropsByDetection = new Map<number, CropRow[]>();
  for (const c of detail.crops) {
    const list = cropsByDetection.get(c.detectionId) ?? [];
    list.push(c);
    cropsByDetection.set(c.detectionId, list);
  }
  const lr0Crops = cropsByDetection.get(t.lr0DetectionId) ?? [];
  const lr0Model = lr0Crops.find((c) => c.kind === LR0_MODEL_CROP_KIND);
  const lr0Shown = lr0Model ?? displayCrop(lr0Crops);
  const enhanceBlocked = actionBlock(ctx, 'enhance');
  const exportBlocked = actionBlock(ctx, 'export');

  const faces = html`<div class="faces" id="faces">
  <figure class="face lr0">${
    lr0Shown !== undefined
      ? html`<img id="lr0-image" src="/img/crops/${lr0Shown.id}" alt="LR_0 (${lr0Shown.kind})" width="160" height="160">`
      : html`<div class="missing">no LR_0 crop stored</div>`
  }<figcaption>LR_0${lr0Shown !== undefined ? ` (${lr0Shown.kind}, ${lr0Shown.widthPx}×${lr0Shown.heightPx})` : ''}</figcaption></figure>
  ${detail.srOutputs.map((o) =>
    o.keptNative !== null
      ? html`<figure class="face sr kept-native" data-sr-output-id="${o.id}" data-method="${o.method}"><img class="sr-image" src="/img/sr/${o.id}" alt="native face crop ${o.id}, not synthesized" width="160" height="160">
    <figcaption>native crop #${o.id}: kept, not synthesized<br><span class="muted">${o.keptNative.reason} · native ${o.keptNative.nativeSidePx} px · ${o.widthPx}×${o.heightPx}</span></figcaption></figure>`
      : html`<figure class="face sr" data-sr-output-id="${o.id}" data-method="${o.method}"><img class="sr-image" src="/img/sr/${o.id}" alt="enhanced face ${o.id}" width="160" height="160">
    <figcaption>enhanced #${o.id}: ${o.sampler}, ${o.steps} steps, seed ${o.seed}<br><span class="muted">${o.modelId} · ${o.engine}/${o.backend} · ${o.networkEvaluations} NFE · ${formatDurationMs(o.timingsMs.totalMs ?? null)}</span></figcaption></figure>`,
  )}
  ${detail.srOutputs.length === 0 ? html`<p class="muted" id="no-sr">not enhanced yet</p>` : null}
</div>`;

  const samplerField =
    ctx.samplers.length > 0
      ? html`<select name="sampler"><option value="">default</option>${ctx.samplers.map((s) => html`<option value="${s}">${s}</option>`)}</select>`
      : html`<input name="sampler" maxlength="64" placeholder="default">`;
  const actions = html`<div class="actions">
<form class="action-form" data-endpoint="/api/tracks/${t.id}/enhance" id="enhance-form">
  <label>seed <input name="seed" type="number" min="0" step="1" placeholder="default"></label>
  <label>sampler ${samplerField}</label>
  <label>steps <input name="steps" type="number" min="1" step="1" placeholder="default"></label>
  <button type="submit"${enhanceBlocked !== null ? html` disabled title="${enhanceBlocked}"` : null}>${detail.srOutputs.length === 0 ? 'Enhance' : 'Re-run'}</button>
  ${enhanceBlocked !== null ? html`<span class="muted unavailable">${enhanceBlocked}</span>` : null}
  ${taskStatusBox()}
</form>
<form class="export-form" data-endpoint="/api/export" id="export-form">
  <input type="hidden" name="trackId" value="${t.id}">
  <button type="submit" class="export-button"${exportBlocked !== null ? html` disabled title="${exportBlocked}"` : null}>Export this track</button>
  ${exportBlocked !== null ? html`<span class="muted unavailable">${exportBlocked}</span>` : null}
  ${taskStatusBox()}
</form>
<p>${detail.fused.length > 0 ? html`<a id="find-person" class="button" href="/tracks/${t.id}/similar">Find this person</a>` : html`<span class="muted">no F_M: cannot search for this person</span>`}</p>
</div>`;

  const fusedList = html`<table class="list" id="fused"><thead><tr><th>embedder</th><th>method</th><th>dim</th><th>used</th><th>rejected</th></tr></thead><tbody>${detail.fused.map(
    (f) => html`<tr><td>${f.embedderId}</td><td>${f.method}</td><td>${f.dim}</td><td>${f.memberEmbeddingIds.length}</td><td>${f.rejectedEmbeddingIds.length}</td></tr>`,
  )}</tbody></table>`;

  const rows = detail.detections.map((d) => {
    const m = membership.get(d.id) ?? 'none';
    const crops = cropsByDetection.get(d.id) ?? [];
    return html`<tr class="detection-row${d.id === t.lr0DetectionId ? ' lr0-row' : ''}" data-detection-id="${d.id}">
  <td>${d.frameIndex}</td><td>${formatPtsMs(d.ptsMs)}</td>
  <td class="q">${formatFixed(d.quality, 3)}</td><td>${formatFixed(d.sharpness, 1)}</td><td>${formatFixed(d.frontalness, 3)}</td><td>${formatFixed(d.score, 3)}</td>
  <td>${formatFixed(d.yawDeg, 0)} / ${formatFixed(d.pitchDeg, 0)} / ${formatFixed(d.rollDeg, 0)}</td>
  <td><span class="member member-${m}">${m === 'none' ? '–' : m}</span>${d.id === t.lr0DetectionId ? html` <b class="lr0-mark">LR_0</b>` : null}</td>
  <td class="crops">${crops.map((c) => html`<img class="crop" src="/img/crops/${c.id}" alt="${c.kind} crop of frame ${d.frameIndex}" title="${c.kind} ${c.widthPx}×${c.heightPx}" height="64" loading="lazy">`)}</td>
</tr>`;
  });

  const provenance = html`<dl class="facts" id="provenance">
  <dt>source</dt><dd><a href="/sources/${source.id}">${source.path}</a></dd>
  <dt>source sha256</dt><dd class="mono">${source.sha256 ?? '–'}</dd>
  <dt>camera</dt><dd>${source.camera ?? '–'}</dd>
  <dt>frames</dt><dd>${t.firstFrameIndex} – ${t.lastFrameIndex} (stream ${formatPtsMs(t.firstPtsMs)} – ${formatPtsMs(t.lastPtsMs)}; wall clock ${formatWallMs(t.startAtMs)} – ${formatWallMs(t.endAtMs)})</dd>
  ${t.parts === null ? null : html`<dt>joined from</dt><dd id="joined-from">${t.parts.length} tracks of one person (F_M agreed): ${t.parts.map((p, i) => html`${i > 0 ? '; ' : ''}track key ${p.trackKey}, frames ${p.firstFrameIndex} – ${p.lastFrameIndex} (stream ${formatPtsMs(p.firstPtsMs)} – ${formatPtsMs(p.lastPtsMs)}, ${p.detectionCount} detections)`)}</dd>`}
  <dt>run</dt><dd>${run === null ? (t.runId === null ? '–' : `#${t.runId} (deleted)`) : html`#${run.id} <span class="mono">${run.command}</span> (${run.status}, ${formatWallMs(run.startedAtMs)})`}</dd>
  ${run !== null ? html`<dt>versions</dt><dd><pre>${JSON.stringify(run.versions, null, 2)}</pre></dd><dt>config</dt><dd><details><summary>pipeline config</summary><pre>${JSON.stringify(run.config, null, 2)}</pre></details></dd>` : null}
  ${detail.srOutputs.map((o) =>
    o.keptNative !== null
      ? html`<dt>native crop #${o.id}</dt><dd>kept, not synthesized: ${o.keptNative.reason} (native crop ${o.keptNative.nativeSidePx} px); for the request model ${o.modelId} <span class="mono">sha256 ${o.modelSha256}</span>, ${o.sampler}, seed ${o.seed}, ${o.engine}; no sampler ran (0 steps, 0 NFE); run ${o.runId ?? '–'}; ${formatWallMs(o.createdAtMs)}</dd>`
      : html`<dt>enhanced #${o.id}</dt><dd>model ${o.modelId} <span class="mono">sha256 ${o.modelSha256}</span>; ${o.sampler}, ${o.steps} steps, ${o.networkEvaluations} NFE, seed ${o.seed}; ${o.engine}/${o.backend}; run ${o.runId ?? '–'}; ${formatWallMs(o.createdAtMs)}; timings ${formatTimings(o.timingsMs)}</dd>`)}
</dl>`;

  const body = html`<p class="lead">Track ${t.id} (key ${t.trackKey}) of <a href="/sources/${t.sourceId}">${baseName(t.sourcePath)}</a> ·
 camera ${t.camera ?? '–'} · ${formatPtsMs(t.firstPtsMs)} – ${formatPtsMs(t.lastPtsMs)} · ${t.detectionCount} detections ·
 <span class="st st-${t.status}">${t.status}</span>${t.rejectReason !== null ? html` (${t.rejectReason})` : null}</p>
<h2>LR_0 and enhanced faces</h2>
${faces}
${actions}
<h2>F_M</h2>
${fusedList}
<h2>Quality over time</h2>
${qualityChart(detail.detections, membership, t.lr0DetectionId)}
<p class="legend"><span class="member member-used">used</span> in F_M · <span class="member member-rejected">rejected</span> as outlier · – not embedded · ringed: LR_0</p>
<h2>Crops over time</h2>
<table class="list" id="detections"><thead><tr><th>frame</th><th>time</th><th>quality</th><th>sharpness</th><th>frontal</th><th>score</th><th>yaw/pitch/roll °</th><th>F_M</th><th>crops</th></tr></thead>
<tbody>${rows}</tbody></table>
<h2>Provenance</h2>
${provenance}`;
  return layout(`Track ${t.id}`, body, ctx);
}
