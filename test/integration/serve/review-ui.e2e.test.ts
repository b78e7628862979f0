import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { closeProcessDeps, createProcessDeps, parseProcessConfig, processSources } from '../../../pipelines';
import { initBackend } from '../../../src/runtime/backend';
import { saveModelFile } from '../../../src/sr/checkpoint';
import { NCSNPP_PRESETS, parseNcsnppConfig } from '../../../src/sr/model-config';
import { NcsnppModel } from '../../../src/sr/models';
import { openStore, type TrackDetail } from '../../../src/store';

const REPO = path.resolve(__dirname, '../../..');
const HAMILTON = path.resolve(__dirname, '../../../../shared/data/videos/face_recognition/short_hamilton_clip.mp4');
const KATIE = path.resolve(__dirname, '../../../../shared/data/videos/sadtalker-hdtf/WDA_KatieHill_000.mp4');
/** Screenshots of the run (gitignored; CI can keep them as artifacts). */
const ARTIFACTS = path.join(REPO, 'test-artifacts', 'serve');
const CHROMIUM = process.env.FASR_CHROMIUM ?? '/usr/bin/chromium';
/** The flags known to work for Debian's chromium headless in this environment (no sandbox in containers, no network chatter). */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * The clip: the hamilton speaker (seconds 0-2: far shot, speaker on the right, a pianist on the
 * left), then another person (2 s of a SadTalker clip, padded to 640x360), then the hamilton
 * speaker again (seconds 6-8: close-up). 10 fps, ~6 s. Analysed with re-entry and joining off
 * (docs/pipeline.md, "Joining split tracks"), so the speaker's two appearances are two tracks.
 */
function buildTwiceClip(ffmpeg: string, out: string): void {
  execFileSync(ffmpeg, [
    '-v', 'error', '-y',
    '-ss', '0', '-t', '2', '-i', HAMILTON,
    '-ss', '1', '-t', '2', '-i', KATIE,
    '-ss', '6', '-t', '2', '-i', HAMILTON,
    '-filter_complex',
    '[0:v]fps=10,scale=640:360,setsar=1[a];[1:v]fps=10,scale=360:360,pad=640:360:140:0,setsar=1[b];[2:v]fps=10,scale=640:360,setsar=1[c];[a][b][c]concat=n=3:v=1:a=0[v]',
    '-map', '[v]', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-preset', 'veryfast', out,
  ]);
}

/** SR model config of the test: the tiny NCSN++ (32x32) taking faceres F_M (1024 values). */
const SR_CONFIG = parseNcsnppConfig({ ...NCSNPP_PRESETS.tiny, featDim: 1024 });

/**
 * A fasr model file with random weights (seeded) for the tiny config: the real enhance path
 * (loadSrModel → enhanceTrack → store) runs in seconds; its pictures mean nothing, which the card says.
 */
async function writeRandomTinyModel(dir: string): Promise<string> {
  await initBackend('wasm');
  const random = NcsnppModel.random(SR_CONFIG, 3);
  const stateDict = random.toStateDict();
  random.dispose();
  const card = {
    name: 'e2e-random-tiny-faceres', description: 'random weights for the review UI end-to-end test', architecture: 'NCSN++ tiny', source: 'NcsnppModel.random seed 3',
    data: { datasets: ['none'], licence: 'n/a' }, licence: 'n/a', intendedUse: 'tests', limitations: 'random weights: outputs are noise', steps: 0, metrics: {}, createdAt: '2026-11-26T00:00:00Z',
  };
  const saved = await saveModelFile(path.join(dir, 'e2e-model'), stateDict, { ...SR_CONFIG, chMult: [...SR_CONFIG.chMult], attnResolutions: [...SR_CONFIG.attnResolutions], firKernel: [...SR_CONFIG.firKernel] }, card);
  return saved.sidecarPath;
}

/** Starts `fasr serve` as a child process; resolves with its URL once it prints it. */
function startFasrServe(args: readonly string[]): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'run-fasr-cli.ts'), 'serve', ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fasr serve did not start in 60 s:\n${text}`)), 60000);
    const onData = (b: Buffer): void => {
      text += b.toString('utf8');
      const m = /^fasr serve: (http:\/\/127\.0\.0\.1:\d+)\/ /m.exec(text);
      if (m !== null) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, output: () => text });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fasr serve exited with ${String(code)}:\n${text}`));
    });
  });
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}

describe('review UI end to end: fasr serve on a store made from a real clip, in headless chromium', () => {
  // The clip's processing, the browser and the SR runs: about 1.5 minutes on the shared 2-core machine.
  let dir = '';
  let dbFile = '';
  let server: { child: ChildProcess; url: string; output: () => string } | undefined;
  let browser: BrowserContext | undefined;
  let tracks: TrackDetail[] = [];
  let sourceId = 0;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-serve-e2e-'));
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const config = parseProcessConfig({ tracker: { reentryWindowMs: 0 }, join: { enabled: false } });
    const deps = await createProcessDeps(config, 'wasm');
    const clip = path.join(dir, 'speaker-twice.mp4');
    dbFile = path.join(dir, 'fasr.sqlite');
    try {
      buildTwiceClip(deps.binaries.ffmpeg.path, clip);
      const store = openStore(dbFile);
      try {
        const summary = await processSources(store, [clip], config, deps, { command: 'fasr process speaker-twice.mp4' });
        expect(summary).toMatchObject({ ok: 1, failed: 0 });
        sourceId = summary.outcomes[0]!.sourceId!;
        tracks = store.listTracks({ sourceId, limit: 1000 }).items.map((t) => store.getTrack(t.id));
      } finally {
        store.close();
      }
    } finally {
      await closeProcessDeps(deps);
    }
    const modelFile = await writeRandomTinyModel(dir);
    server = await startFasrServe(['--db', dbFile, '--port', '0', '--export-dir', path.join(dir, 'exports'), '--model', modelFile, '--backend', 'wasm']);
    const userDataDir = fs.mkdtempSync(path.join(dir, 'chromium-'));
    // bypassCSP: the app's CSP forbids eval (script-src 'self'), which newer Chromium builds also apply to the
    // test's own waitForFunction predicates; the page's scripts still run under the app's CSP as served.
    browser = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 }, bypassCSP: true });
  }, 240000);

  afterAll(async () => {
    await browser?.close();
    if (server !== undefined && server.child.exitCode === null) {
      const exited = new Promise((r) => server!.child.once('exit', r));
      server.child.kill('SIGTERM');
      await exited;
    }
    if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  });

  it('opens the source and a track with its crops, enhances it twice, exports it, and "find this person" ranks the same person first', async () => {
    // What the pipeline found: the speaker's far shot (right half of the first segment), and the speaker's close-up at the end.
    expect(tracks.length).toBeGreaterThanOrEqual(3);
    const firstBox = (t: TrackDetail): readonly [number, number, number, number] => t.detections[0]!.bboxXYWH;
    const speakerFar = tracks.find((t) => t.track.firstPtsMs < 2000 && firstBox(t)[0] > 320);
    const closeUp = [...tracks].sort((a, b) => b.track.firstPtsMs - a.track.firstPtsMs)[0]!;
    expect(speakerFar).toBeDefined();
    expect(closeUp.track.firstPtsMs).toBeGreaterThan(4000);

    const page = await browser!.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));

    // Sources: the clip, done, with its duration; the status panel polls /api/status.
    const statusPoll = page.waitForResponse((r) => r.url().endsWith('/api/status') && r.status() === 200, { timeout: 15000 });
    await page.goto(`${server!.url}/`);
    const row = page.locator(`tr.source-row[data-source-id="${sourceId}"]`);
    await expect(row.locator('a.source-link').textContent()).resolves.toBe('speaker-twice.mp4');
    await expect(row.locator('.st').textContent()).resolves.toBe('done');
    await statusPoll;
    await shot(page, '01-sources.png');

    // Source: a timeline bar and a row per track.
    await row.locator('a.source-link').click();
    await page.waitForURL(`${server!.url}/sources/${sourceId}`);
    await expect(page.locator('#timeline rect.bar').count()).resolves.toBe(tracks.length);
    await expect(page.locator('tr.track-row').count()).resolves.toBe(tracks.length);
    await shot(page, '02-source-timeline.png');

    // Track: every crop image loads, LR_0 is shown, the quality chart has a dot per detection.
    await page.locator(`tr.track-row[data-track-id="${speakerFar!.track.id}"] a.track-link`).last().click();
    await page.waitForURL(`${server!.url}/tracks/${speakerFar!.track.id}`);
    const crops = page.locator('img.crop');
    await expect(crops.count()).resolves.toBe(speakerFar!.crops.length);
    // (Browser-side code as a string: the project's TypeScript has no DOM types.)
    await page.waitForFunction('Array.from(document.querySelectorAll("img")).every((i) => i.complete)');
    const widths = await crops.evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth));
    expect(widths.every((w) => w > 0)).toBe(true);
    await expect(page.locator('#lr0-image').evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth)).resolves.toBe(128);
    await expect(page.locator('#quality-chart circle').count()).resolves.toBe(speakerFar!.detections.length);
    await expect(page.locator('.member-used').count()).resolves.toBeGreaterThan(0);
    await shot(page, '03-track.png');

    // Enhance (2 steps of the random tiny model, default sampler), then re-run with another seed and sampler: both faces beside LR_0.
    for (const [seed, sampler, count] of [[5, '', 1], [6, 'reverse-diffusion', 2]] as const) {
      await page.locator('#enhance-form input[name="steps"]').fill('2');
      await page.locator('#enhance-form input[name="seed"]').fill(String(seed));
      await page.locator('#enhance-form select[name="sampler"]').selectOption(sampler);
      await page.locator('#enhance-form button').click();
      await page.locator('img.sr-image').nth(count - 1).waitFor({ timeout: 90000 }); // the page reloads when the task is done
      await expect(page.locator('img.sr-image').count()).resolves.toBe(count);
    }
    await page.waitForFunction('Array.from(document.querySelectorAll("img.sr-image")).every((i) => i.complete && i.naturalWidth > 0)');
    const srWidths = await page.locator('img.sr-image').evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth));
    expect(srWidths).toEqual([SR_CONFIG.imageSize, SR_CONFIG.imageSize]);
    await expect(page.locator('#faces figcaption').allTextContents()).resolves.toEqual([
      expect.stringMatching(/^LR_0 \(lr0-model, 128×128\)$/),
      expect.stringMatching(/, 2 steps, seed 5/),
      expect.stringMatching(/^enhanced #\d+: reverse-diffusion.*, 2 steps, seed 6/),
    ]);
    await shot(page, '04-enhanced.png');

    // Export this track: the task lists the files; they are on disk.
    await page.locator('#export-form button').click();
    const fileList = page.locator('#export-form .export-files li');
    await fileList.first().waitFor({ timeout: 60000 });
    const listed = await fileList.allTextContents();
    const statusText = (await page.locator('#export-form .task-status').textContent()) ?? '';
    expect(statusText).toMatch(new RegExp(`^exported ${listed.length} files to ${path.join(dir, 'exports')}/export-`));
    expect(listed).toEqual(expect.arrayContaining(['manifest.csv', 'index.json']));
    expect(listed.filter((f) => f.endsWith('.png')).length).toBeGreaterThanOrEqual(3); // LR_0 and the two enhanced faces at least
    const exportRoot = path.join(dir, 'exports');
    const exportDirs = fs.readdirSync(exportRoot);
    expect(exportDirs).toHaveLength(1);
    const exportDir = exportDirs[0];
    expect(statusText.startsWith(`exported ${listed.length} files to ${path.join(exportRoot, exportDir!)}`)).toBe(true);
    for (const f of listed) expect([f, fs.statSync(path.join(exportRoot, exportDir!, f)).size > 0]).toEqual([f, true]);
    await shot(page, '05-exported.png');

    // Find this person: the speaker's close-up track ranks first.
    await page.locator('#find-person').click();
    await page.waitForURL(`${server!.url}/tracks/${speakerFar!.track.id}/similar`);
    const ranked = await page.locator('tr.track-row').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-track-id'))));
    expect(ranked).toHaveLength(tracks.length - 1);
    expect(ranked[0]).toBe(closeUp.track.id);
    await shot(page, '06-find-this-person.png');

    // The pages ran under the CSP without a blocked script, style or image.
    expect(problems).toEqual([]);
    await page.close();
  });

  it('fasr serve stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => server!.child.once('exit', (code) => r(code)));
    server!.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // No --engine: the fastest installed engine (onnx here, issue 20).
    expect(server!.output()).toMatch(/^enhance: model e2e-random-tiny-faceres \(sha256 [0-9a-f]{12}, 32x32\), engine onnx on onnxruntime-cpu\/(fast|direct)$/m);
    expect(server!.output()).toMatch(/fasr serve: stopping\n$/);
  });
});
