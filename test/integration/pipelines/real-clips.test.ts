import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeProcessDeps, createProcessDeps, parseProcessConfig, processSource, type CreatedProcessDeps } from '../../../pipelines';
import { LR0_MODEL_CROP_KIND } from '../../../src/contracts';
import { exportTracks, parseExportOptions } from '../../../src/export';
import { trackPage } from '../../../src/serve/pages/track-page';
import { openStore, type Store, type TrackDetail } from '../../../src/store';

const VIDEOS = path.resolve(__dirname, '../../../../shared/data/videos');
const HAMILTON = path.join(VIDEOS, 'face_recognition/short_hamilton_clip.mp4');
const PORTRAIT = path.join(VIDEOS, 'single-face-tracking-demo/my_video.mp4');

function tracksOf(store: Store, sourceId: number): TrackDetail[] {
  return store.listTracks({ sourceId, limit: 1000 }).items.map((t) => store.getTrack(t.id));
}

/** Largest gap between consecutive detections of a track, ms. */
function largestGapMs(t: TrackDetail): number {
  let gap = 0;
  for (let i = 1; i < t.detections.length; i++) gap = Math.max(gap, t.detections[i]!.ptsMs - t.detections[i - 1]!.ptsMs);
  return gap;
}

jest.setTimeout(180000); // loaded 2-core CI machines: one clip takes 10-40 s

describe('processSource on the shared clips', () => {
  let deps: CreatedProcessDeps;
  let dir = '';
  let store: Store;
  const config = parseProcessConfig({});

  beforeAll(async () => {
    deps = await createProcessDeps(config, 'wasm');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-clips-'));
    store = openStore(path.join(dir, 'clips.sqlite'));
  }, 120000);

  afterAll(async () => {
    store.close();
    await closeProcessDeps(deps);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // 3–9 s of Hamilton: the speaker's close-up (3.6–8 s) and the audience after the cut at 8 s.
  const hamiltonRange = { startMs: 3000, durationMs: 6000 };

  it('hamilton (640x360, one speaker): one dominant track holding most faces over most of the range', async () => {
    const o = await processSource(store, HAMILTON, parseProcessConfig({ decode: hamiltonRange }), deps);
    expect(o).toMatchObject({ status: 'done', resultsStored: true });
    expect(o.frames).toBe(30); // 6 s at 5 fps
    const tracks = tracksOf(store, o.sourceId!).sort((a, b) => b.detections.length - a.detections.length);
    const [main, ...rest] = tracks;
    expect(main).toBeDefined();
    const stored = tracks.reduce((s, t) => s + t.detections.length, 0);
    // The speaker's close-up is the dominant track; the others are audience faces after 8 s, 3–6 detections each.
    expect(main!.detections.length).toBeGreaterThanOrEqual(0.5 * stored);
    for (const t of rest) expect(3 * t.detections.length).toBeLessThanOrEqual(main!.detections.length);
    expect(main!.track.lastPtsMs - main!.track.firstPtsMs).toBeGreaterThan(4000);
    // LR_0 is its best-quality detection, and F_M is fused from its 8 best detections (embed.topK 8,
    // fewer than the detections it has): every one of them embedded, a member or a rejected outlier (3-sigma).
    expect(main!.detections.find((d) => d.id === main!.track.lr0DetectionId)!.quality).toBeCloseTo(main!.track.bestQuality, 12);
    expect(main!.detections.length).toBeGreaterThan(8);
    const fm = main!.fused[0]!;
    const fused = new Set([...fm.memberEmbeddingIds, ...fm.rejectedEmbeddingIds]);
    const fusedDetections = main!.embeddings.filter((e) => fused.has(e.id)).map((e) => e.detectionId);
    const best = [...main!.detections].sort((a, b) => b.quality - a.quality || a.frameIndex - b.frameIndex).slice(0, 8);
    expect(fusedDetections.sort((a, b) => a - b)).toEqual(best.map((d) => d.id).sort((a, b) => a - b));
    // Detections that could not enter the 8 best when they came were not embedded.
    expect(main!.embeddings.length).toBeLessThan(main!.detections.length);
  });

  // 3–6.6 s of the portrait clip: the face is in view, leaves around 4.2 s and is back from about 5.4 s.
  const portraitRange = { startMs: 3000, durationMs: 3600 };

  it('single-face-tracking (1080x1920 portrait): the face leaves for > maxGapMs and comes back as the same track (re-entry, docs/tracking.md)', async () => {
    const o = await processSource(store, PORTRAIT, parseProcessConfig({ decode: portraitRange }), deps);
    expect(o).toMatchObject({ status: 'done', tracks: 1 });
    const [t] = tracksOf(store, o.sourceId!);
    // The face is out of view (or undetectable) for over a second around 4.5 s: longer than maxGapMs, so
    // the first segment was lost; its mean embedding matched the new segment's (cos >= reentryMinCosine) within reentryWindowMs.
    expect(largestGapMs(t!)).toBeGreaterThan(config.tracker.maxGapMs);
    expect(largestGapMs(t!)).toBeLessThan(config.tracker.reentryWindowMs);
    expect(t!.track.trackKey).toBe(1);
  });

  it('single-face-tracking with re-entry off and joining off: the same gap splits it into two tracks', async () => {
    const noReentry = parseProcessConfig({ decode: portraitRange, tracker: { reentryWindowMs: 0 }, join: { enabled: false } });
    const copy = path.join(dir, 'portrait-no-reentry.mp4');
    fs.copyFileSync(PORTRAIT, copy);
    const o = await processSource(store, copy, noReentry, deps);
    expect(o).toMatchObject({ status: 'done', tracks: 2 });
    const [a, b] = tracksOf(store, o.sourceId!).sort((x, y) => x.track.firstPtsMs - y.track.firstPtsMs);
    expect(b!.track.firstPtsMs - a!.track.lastPtsMs).toBeGreaterThan(noReentry.tracker.maxGapMs);
    expect(a!.track.parts).toBeNull();
  });

  it('single-face-tracking with re-entry off: the two tracks of one person are joined by F_M (join, the default), parts recorded, shown and exported', async () => {
    const joinOn = parseProcessConfig({ decode: portraitRange, tracker: { reentryWindowMs: 0 } });
    const copy = path.join(dir, 'portrait-joined.mp4');
    fs.copyFileSync(PORTRAIT, copy);
    let joined = -1;
    const o = await processSource(store, copy, joinOn, deps, { onStats: (s) => (joined = s.tracksJoined) });
    expect(o).toMatchObject({ status: 'done', tracks: 1 });
    expect(joined).toBe(1);
    const [t] = tracksOf(store, o.sourceId!);
    const parts = t!.track.parts!;
    expect(parts).toHaveLength(2);
    expect(parts[0]!.trackKey).toBe(t!.track.trackKey);
    expect(parts[1]!.firstPtsMs - parts[0]!.lastPtsMs).toBeGreaterThan(joinOn.tracker.maxGapMs);
    expect(parts[0]!.detectionCount + parts[1]!.detectionCount).toBe(t!.detections.length);
    expect(parts[0]!.firstPtsMs).toBe(t!.track.firstPtsMs);
    expect(parts[1]!.lastPtsMs).toBe(t!.track.lastPtsMs);
    // One LR_0 (with its model crop) and one F_M for the joined track.
    expect(t!.crops.filter((c) => c.kind === LR0_MODEL_CROP_KIND).map((c) => c.detectionId)).toEqual([t!.track.lr0DetectionId]);
    expect(t!.fused).toHaveLength(1);
    // The review page and the export show the parts.
    const page = trackPage({ detail: t!, source: store.getSource(o.sourceId!), run: null }, { readOnly: true, pollIntervalMs: 1000, canEnhance: false, canExport: false, unavailableReasons: { enhance: 'test', export: 'test' }, samplers: [], pageSize: 50 });
    expect(page).toContain(`<dt>joined from</dt><dd id="joined-from">2 tracks of one person (F_M agreed): track key ${parts[0]!.trackKey}, frames ${parts[0]!.firstFrameIndex} – ${parts[0]!.lastFrameIndex}`);
    const report = await exportTracks(store, parseExportOptions({ outDir: path.join(dir, 'export-joined'), trackIds: [t!.track.id] }));
    const exported = report.tracks[0]!;
    const manifest = JSON.parse(fs.readFileSync(path.join(exported.dir, exported.files.find((f) => f.endsWith('manifest.json'))!), 'utf8')) as { track: { joinedFrom: unknown } };
    expect(manifest.track.joinedFrom).toEqual(parts);
  });

  // The damaged copies only need some frames on each side of the damage: 3 fps (28 frames for the whole clip).
  const damagedConfig = parseProcessConfig({ decode: { fps: 3 } });

  it('a truncated copy keeps the tracks decoded before the damage and fails the source with the reason', async () => {
    // The clip's index (moov) is at its end, so a cut copy would not open at all; like a recording cut off
    // while streaming, remux it with the index first (-movflags +faststart), then cut it in half.
    const faststart = path.join(dir, 'hamilton-faststart.mp4');
    execFileSync(deps.binaries.ffmpeg.path, ['-v', 'error', '-y', '-i', HAMILTON, '-c', 'copy', '-movflags', '+faststart', faststart]);
    const cut = path.join(dir, 'hamilton-truncated.mp4');
    const bytes = fs.readFileSync(faststart);
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.5)));
    const o = await processSource(store, cut, damagedConfig, deps);
    expect(o).toMatchObject({ status: 'failed', resultsStored: true });
    expect(o.reason).toMatch(/^damaged input: decodeFrames: .*damaged input \(truncated\); \d+ frames were emitted before the stream ended.*; kept \d+ tracks from the \d+ frames analysed before the error$/);
    expect(o.frames).toBeGreaterThan(3);
    expect(o.frames).toBeLessThan(28);
    const s = store.getSource(o.sourceId!);
    expect(s).toMatchObject({ status: 'failed', error: o.reason });
    const tracks = tracksOf(store, s.id);
    expect(tracks.length).toBe(o.tracks);
    expect(tracks.length).toBeGreaterThanOrEqual(1);
  });

  it('a corrupt copy (20 kB overwritten mid-file) keeps what decoded before the damage, reason recorded', async () => {
    const bad = Buffer.from(fs.readFileSync(HAMILTON));
    for (let i = 0; i < 20000; i++) bad[Math.floor(bad.length / 2) + i] = (i * 31 + 7) & 0xff;
    const corrupt = path.join(dir, 'hamilton-corrupt.mp4');
    fs.writeFileSync(corrupt, bad);
    const o = await processSource(store, corrupt, damagedConfig, deps);
    expect(o).toMatchObject({ status: 'failed', resultsStored: true });
    expect(o.reason).toMatch(/^damaged input: .*damaged input \(corrupt\)/);
    expect(o.frames).toBeGreaterThan(3);
    expect(o.frames).toBeLessThan(28);
    expect(tracksOf(store, o.sourceId!).length).toBeGreaterThanOrEqual(1);
    expect(store.getSource(o.sourceId!).error).toBe(o.reason);
  });
});
