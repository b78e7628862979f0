/**
 * `fasr process --sr`: the real pipeline on a short synthetic clip (a fasr-samples face moving
 * over a background, as the process CLI test), then every stored track enhanced with a tiny fasr
 * model file (random weights, 32x32, featDim 1024 = faceres through feature_proj), stored with
 * the run id.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main, type CliIo } from '../../../src/cli/main';
import { readPngText } from '../../../src/image';
import { resolveFfmpegBinaries } from '../../../src/ingest';
import { saveModelFile } from '../../../src/sr/checkpoint';
import { NCSNPP_PRESETS, parseNcsnppConfig } from '../../../src/sr/model-config';
import { NcsnppModel } from '../../../src/sr/models';
import { openStore } from '../../../src/store';
import { writeSyntheticClip } from '../pipelines/synthetic-clip';

const FACE = path.resolve(__dirname, '../../../../shared/data/faces/fasr-samples/gallery/000005.jpg');

function capture(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => (out += t), err: (t) => (err += t), stdout: () => out, stderr: () => err };
}

describe('fasr process --sr', () => {
  let dir = '';
  let clip = '';
  let modelFile = '';
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-cli-sr-process-'));
    clip = path.join(dir, 'walk.mp4');
    const bins = await resolveFfmpegBinaries();
    await writeSyntheticClip(bins, clip, {
      width: 320, height: 240, fps: 10, frameCount: 12, faceSizePx: 112, blurSigma: 1,
      paths: [{ file: FACE, from: [40, 50], to: [150, 60], sharpFrame: 6 }],
    });
    const config = parseNcsnppConfig({ ...NCSNPP_PRESETS.tiny, featDim: 1024 });
    const random = NcsnppModel.random(config, 1);
    const stateDict = random.toStateDict();
    random.dispose();
    const saved = await saveModelFile(
      path.join(dir, 'model'),
      stateDict,
      { ...config, chMult: [...config.chMult], attnResolutions: [...config.attnResolutions], firKernel: [...config.firKernel] },
      {
        name: 'test-tiny-faceres', description: 'random weights for a test', architecture: 'NCSN++ tiny', source: 'NcsnppModel.random seed 1',
        data: { datasets: ['none'], licence: 'n/a' }, licence: 'n/a', intendedUse: 'tests', limitations: 'random', steps: 0, metrics: {}, createdAt: '2026-11-26T00:00:00Z',
      },
    );
    modelFile = saved.sidecarPath;
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps a track native by default when its LR_0 native crop is already >= 128 px (the clip\'s 112 px face: an aligned crop above 128)', async () => {
    const db = path.join(dir, 'kept.sqlite');
    const io = capture();
    expect(await main(['process', clip, '--db', db, '--backend', 'wasm', '--sr', '--sr-model', modelFile, '--sr-steps', '2'], io)).toBe(0);
    expect(io.stdout()).toMatch(/^sr: 0 enhanced, 1 kept native \(native crop at least 128 px, not synthesized\), 0 already enhanced; outputs in sr_outputs \(run \d+\)$/m);
    const store = openStore(db, { readonly: true });
    const [track] = store.listTracks({}).items;
    const detail = store.getTrack(track?.id as number);
    const native = detail.crops.find((c) => c.detectionId === track?.lr0DetectionId && c.kind === 'aligned-full');
    expect(native?.widthPx).toBeGreaterThanOrEqual(128);
    expect(detail.srOutputs).toHaveLength(1);
    expect(detail.srOutputs[0]).toMatchObject({ runId: track?.runId, method: 'kept-native', keptNative: { reason: 'native-crop-at-least-128px', nativeSidePx: native?.widthPx }, steps: 0, networkEvaluations: 0, widthPx: native?.widthPx });
    expect(readPngText(detail.srOutputs[0]?.png as Uint8Array)).toMatchObject({ 'fasr:synthesized': 'false', 'fasr:track': String(track?.id) });
    store.close();
  });

  it('enhances every stored track of the run, stored with the run id and provenance (--sr-keep-native-min-side 0: the rule off)', async () => {
    const db = path.join(dir, 'out.sqlite');
    const args = ['process', clip, '--db', db, '--backend', 'wasm', '--sr', '--sr-model', modelFile, '--sr-steps', '2', '--sr-keep-native-min-side', '0'];
    const io = capture();
    expect(await main(args, io)).toBe(0);
    // No --sr-engine: the fastest installed engine, said and stored.
    expect(io.stdout()).toMatch(/^sr: 1 tracks with test-tiny-faceres \(sha256 [0-9a-f]{12}\); engine onnx on onnxruntime-cpu\/\w+ \(default: the fastest installed engine \(onnxruntime-node\)\)$/m);
    expect(io.stdout()).toMatch(/^sr: 1 enhanced, 0 already enhanced; outputs in sr_outputs \(run \d+\)$/m);

    const store = openStore(db, { readonly: true });
    const [track] = store.listTracks({}).items;
    const outputs = store.listSrOutputs(track?.id as number);
    expect(outputs).toHaveLength(1);
    expect(outputs[0]).toMatchObject({ runId: track?.runId, modelId: 'test-tiny-faceres', steps: 2, networkEvaluations: 4, seed: 0, conditioning: 'fm', widthPx: 32, engine: 'onnx' });
    expect(readPngText(outputs[0]?.png as Uint8Array)).toMatchObject({ 'fasr:synthesized': 'true', 'fasr:track': String(track?.id) });
    store.close();
  });

  it('checks --sr-keep-native-min-side before any video is read, and refuses it without --sr', async () => {
    for (const [extra, err] of [
      [['--sr', '--sr-keep-native-min-side', '12.5'], 'fasr: --sr-keep-native-min-side: expected an integer in [0, 4096], received "12.5"\n'],
      [['--sr-keep-native-min-side', '64'], 'fasr: --sr-keep-native-min-side: applies to --sr only\n'],
    ] as const) {
      const io = capture();
      expect(await main(['process', clip, '--db', path.join(dir, 'bad.sqlite'), '--backend', 'wasm', ...extra], io)).toBe(1);
      expect(io.stderr()).toBe(err);
      expect(fs.existsSync(path.join(dir, 'bad.sqlite'))).toBe(false);
    }
  });

  it('takes --sr-engine, checked before any video is read', async () => {
    const io = capture();
    expect(await main(['process', clip, '--db', path.join(dir, 'bad.sqlite'), '--backend', 'wasm', '--sr', '--sr-engine', 'torch'], io)).toBe(1);
    expect(io.stderr()).toBe('fasr: --sr-engine: expected one of auto, onnx, tfjs, received "torch"\n');
    expect(io.stdout()).toBe('');
    expect(fs.existsSync(path.join(dir, 'bad.sqlite'))).toBe(false);
  });
});
