/**
 * `fasr sr` end to end with the tiny reference checkpoint (32x32, featDim 64) on wasm: image
 * files (--aligned, zero conditioning, so no embedder of another dim is involved), a stored track
 * in a real SQLite file, and the clear errors. Few steps to stay fast.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main, type CliIo } from '../../../src/cli/main';
import { decodeImageRgb, encodePng, readPngText } from '../../../src/image';
import { DEFAULT_RESIDUAL_SR_SAMPLER, parseSamplerConfig, samplerLabel } from '../../../src/sr';
import { openStore } from '../../../src/store';

const SHARED = path.resolve(__dirname, '../../../../shared');
const TINY = path.join(SHARED, 'fixtures/fasr-reference/tiny');
const PROBE_LR = path.join(SHARED, 'data/faces/fasr-samples/probe_LR/000002.jpg');
/** A real face crop of 150x150 px (a grey face-api gallery photo): bigger than the keep-native default of 128 px. */
const BBT_FACE = path.join(SHARED, 'data/faces/faceapi-bbt/gallery/amy/amy1.png');
const RESIDUAL_MODEL = path.resolve(__dirname, '../../../models/fasr-ncsnpp-nf16-128-residual');
const MODEL = ['--model', path.join(TINY, 'checkpoint.pth'), '--config', path.join(TINY, 'config.json'), '--backend', 'wasm'];

function capture(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => (out += t), err: (t) => (err += t), stdout: () => out, stderr: () => err };
}

describe('fasr sr', () => {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-cli-sr-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('enhances image files: writes a labelled PNG, prints where, the time and the NFE; same seed, same bytes', async () => {
    const outs = [path.join(dir, 'a.png'), path.join(dir, 'b.png')];
    for (const out of outs) {
      const io = capture();
      const code = await main(['sr', '--lr', PROBE_LR, '--out', out, '--aligned', '--conditioning', 'zero', '--sampler', 'pc', '--steps', '2', '--seed', '5', '--engine', 'tfjs', ...MODEL], io);
      expect(io.stderr()).toBe('');
      expect(code).toBe(0);
      expect(io.stdout()).toMatch(/^model: authors:checkpoint\.pth#ema \(sha256 [0-9a-f]{12}, 32x32, featDim 64\); engine tfjs on wasm$/m);
      expect(io.stdout()).toContain(`enhanced face: ${out}\n`);
      expect(io.stdout()).toMatch(/^time: \d+\.\d s; NFE: 4$/m);
    }
    const [a, b] = outs.map((f) => fs.readFileSync(f));
    expect((a as Buffer).equals(b as Buffer)).toBe(true);
    expect(readPngText(a as Buffer)).toMatchObject({ 'fasr:synthesized': 'true', 'fasr:seed': '5', 'fasr:steps': '2', 'fasr:nfe': '4', 'fasr:conditioning': 'zero' });
  });

  it("a residual-EDM model without --sampler runs its formulation's measured default (DEFAULT_RESIDUAL_SR_SAMPLER) and says so", async () => {
    const out = path.join(dir, 'residual.png');
    const io = capture();
    // the bundled residual-EDM model (128 px, featDim 1024); zero F_M needs no embedder
    const code = await main(['sr', '--lr', PROBE_LR, '--out', out, '--aligned', '--conditioning', 'zero', '--model', RESIDUAL_MODEL, '--engine', 'onnx', '--backend', 'wasm'], io);
    expect(io.stderr()).toBe('');
    expect(code).toBe(0);
    expect(io.stdout()).toContain(`sampler: ${samplerLabel(parseSamplerConfig(DEFAULT_RESIDUAL_SR_SAMPLER))}, seed 0, conditioning zero\n`);
    expect(io.stdout()).toMatch(/^time: \d+\.\d s; NFE: 1$/m);
    expect(readPngText(fs.readFileSync(out))).toMatchObject({ 'fasr:steps': '1', 'fasr:nfe': '1' });
  });

  it('without --engine runs on the fastest installed engine (onnx) and says so; FASR_ONNX_PROVIDER with --engine tfjs is refused, not ignored', async () => {
    const out = path.join(dir, 'default-engine.png');
    const io = capture();
    expect(await main(['sr', '--lr', PROBE_LR, '--out', out, '--aligned', '--conditioning', 'zero', '--sampler', 'pc', '--steps', '2', ...MODEL], io)).toBe(0);
    expect(io.stdout()).toMatch(/; engine onnx on onnxruntime-cpu\/\w+$/m);
    expect(io.stdout()).toContain('engine: onnx (default: the fastest installed engine (onnxruntime-node))\n');
    expect(readPngText(fs.readFileSync(out))).toMatchObject({ 'fasr:engine': 'onnx' });
    const saved = process.env.FASR_ONNX_PROVIDER;
    try {
      process.env.FASR_ONNX_PROVIDER = 'cuda';
      const io2 = capture();
      expect(await main(['sr', '--lr', PROBE_LR, '--out', path.join(dir, 'tfjs-cuda.png'), '--aligned', '--conditioning', 'zero', '--steps', '1', '--engine', 'tfjs', ...MODEL], io2)).toBe(1);
      expect(io2.stderr()).toBe('fasr: loadSrModel: FASR_ONNX_PROVIDER=cuda applies only to engine "onnx", and this run asked for engine "tfjs"; unset it or use engine onnx\n');
      expect(fs.existsSync(path.join(dir, 'tfjs-cuda.png'))).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.FASR_ONNX_PROVIDER;
      else process.env.FASR_ONNX_PROVIDER = saved;
    }
  });

  it('runs on the ONNX engine with --engine onnx (deterministic there too)', async () => {
    const outs = [path.join(dir, 'onnx-a.png'), path.join(dir, 'onnx-b.png')];
    for (const out of outs) {
      const io = capture();
      const code = await main(['sr', '--lr', PROBE_LR, '--out', out, '--aligned', '--conditioning', 'zero', '--sampler', 'pc', '--steps', '2', '--engine', 'onnx', ...MODEL], io);
      expect(io.stderr()).toBe('');
      expect(code).toBe(0);
      expect(io.stdout()).toMatch(/; engine onnx on onnxruntime-cpu\/fast$/m);
    }
    const [a, b] = outs.map((f) => fs.readFileSync(f));
    expect((a as Buffer).equals(b as Buffer)).toBe(true);
    expect(readPngText(a as Buffer)).toMatchObject({ 'fasr:engine': 'onnx', 'fasr:backend': 'onnxruntime-cpu/fast' });
  });

  it('takes the ONNX provider and graph form from FASR_ONNX_PROVIDER / FASR_ONNX_GRAPH (the GPU switch)', async () => {
    const saved = { provider: process.env.FASR_ONNX_PROVIDER, graph: process.env.FASR_ONNX_GRAPH };
    const restore = (name: string, value: string | undefined): void => {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    };
    const args = (out: string): string[] => ['sr', '--lr', PROBE_LR, '--out', out, '--aligned', '--conditioning', 'zero', '--sampler', 'pc', '--steps', '2', '--engine', 'onnx', ...MODEL];
    try {
      process.env.FASR_ONNX_GRAPH = 'direct';
      const out = path.join(dir, 'onnx-direct.png');
      let io = capture();
      expect(await main(args(out), io)).toBe(0);
      expect(io.stdout()).toMatch(/; engine onnx on onnxruntime-cpu\/direct$/m);
      expect(readPngText(fs.readFileSync(out))).toMatchObject({ 'fasr:backend': 'onnxruntime-cpu/direct' });
      // The CUDA provider is requested from the engine; what happens depends on the machine, so
      // FASR_TEST_ONNX_CUDA says which one outcome to expect (see onnx-engine-tiny.test.ts):
      // 'absent' (default), 'no-device' or 'present'.
      const cudaExpect = process.env.FASR_TEST_ONNX_CUDA ?? 'absent';
      expect(['absent', 'no-device', 'present']).toContain(cudaExpect);
      process.env.FASR_ONNX_PROVIDER = 'cuda';
      io = capture();
      const code = await main(args(path.join(dir, 'cuda.png')), io);
      if (cudaExpect === 'present') {
        expect(code).toBe(0);
        expect(io.stdout()).toMatch(/; engine onnx on onnxruntime-cuda\/direct$/m);
      } else {
        expect(code).toBe(1);
        expect(io.stderr()).toMatch(cudaExpect === 'absent' ? /the CUDA execution provider is not installed .*onnxruntime-node-install=cuda12/ : /the CUDA execution provider failed to start/);
        expect(fs.existsSync(path.join(dir, 'cuda.png'))).toBe(false);
      }
      process.env.FASR_ONNX_PROVIDER = 'gpu';
      io = capture();
      expect(await main(args(path.join(dir, 'gpu.png')), io)).not.toBe(0);
      expect(io.stderr()).toContain('environment.FASR_ONNX_PROVIDER: expected one of "cpu", "cuda", received "gpu"');
      expect(fs.existsSync(path.join(dir, 'gpu.png'))).toBe(false);
    } finally {
      restore('FASR_ONNX_PROVIDER', saved.provider);
      restore('FASR_ONNX_GRAPH', saved.graph);
    }
  });

  it('enhances a stored track once and reuses the stored output after', async () => {
    const db = path.join(dir, 'store.db');
    const store = openStore(db);
    const src = store.upsertSource({ path: '/clips/cam.mp4', sizeBytes: 1, mtimeMs: 1 });
    const lr0 = new Uint8Array(32 * 32 * 3).map((_, i) => (i * 13) & 0xff);
    const fm = new Float32Array(64).map((_, i) => Math.sin(i));
    const [trackId] = store.replaceSourceResults(src.id, {
      tracks: [
        {
          trackKey: 1,
          lr0Index: 0,
          detections: [
            {
              detection: {
                frameIndex: 0, ptsMs: 0, bboxXYWH: [0, 0, 50, 50], score: 0.9,
                landmarks: { leftEye: [15, 20], rightEye: [35, 20], nose: [25, 30], mouthLeft: [18, 40], mouthRight: [32, 40] },
                yawDeg: 0, pitchDeg: 0, rollDeg: 0, quality: 0.5, sharpness: 10, frontalness: 1,
              },
              crops: [{ kind: 'lr0-model', format: 'png', widthPx: 32, heightPx: 32, image: await encodePng({ width: 32, height: 32, rgb: lr0 }) }],
              embeddings: [{ modelId: 'emb@1', vector: fm }],
            },
          ],
          fused: [{ featureVector: fm, embedderId: 'emb@1', method: 'mean', memberIndices: [0], rejectedIndices: [] }],
        },
      ],
    }).trackIds;
    store.close();
    const out = path.join(dir, 'track.png');
    const args = ['sr', '--track', String(trackId), '--db', db, '--sampler', 'pc', '--steps', '2', '--out', out, '--engine', 'tfjs', ...MODEL];
    const first = capture();
    expect(await main(args, first)).toBe(0);
    expect(first.stdout()).toMatch(new RegExp(`^enhanced: track ${trackId} -> sr output \\d+ in ${db.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}, written to .*track\\.png$`, 'm'));
    expect(first.stdout()).toMatch(/^time: \d+\.\d s; NFE: 4$/m);
    const second = capture();
    expect(await main(args, second)).toBe(0);
    expect(second.stdout()).toContain('already enhanced (stored output reused, nothing computed)');
    const check = openStore(db, { readonly: true });
    const rows = check.listSrOutputs(trackId as number);
    check.close();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ conditioning: 'fm', steps: 2, networkEvaluations: 4, seed: 0, sampler: 'pc(steps=2,snr=0.16,nSteps=1,eps=0.00001,langevinStepSize=per-sample)' });
    expect(Buffer.from(rows[0]?.png as Uint8Array).equals(fs.readFileSync(out))).toBe(true);

    // The engine (and backend) are part of the reuse key: an onnx request is computed, not answered with the tfjs image.
    const onnxArgs = args.map((a) => (a === 'tfjs' ? 'onnx' : a));
    const third = capture();
    expect(await main(onnxArgs, third)).toBe(0);
    expect(third.stdout()).toMatch(new RegExp(`^enhanced: track ${trackId} -> sr output \\d+`, 'm'));
    const fourth = capture();
    expect(await main(onnxArgs, fourth)).toBe(0);
    expect(fourth.stdout()).toContain('already enhanced (stored output reused, nothing computed)');
    const check2 = openStore(db, { readonly: true });
    const rows2 = check2.listSrOutputs(trackId as number);
    check2.close();
    expect(rows2.map((r) => r.engine).sort()).toEqual(['onnx', 'tfjs']);

    // Options that act on image files only are refused with --track, not accepted and ignored.
    for (const [extra, flag] of [
      [['--lr-scale', '4'], '--lr-scale'],
      [['--embedder', 'dlib-resnet'], '--embedder'],
      [['--quad-scale', '1.2'], '--quad-scale'],
      [['--aligned'], '--aligned'],
    ] as const) {
      const io = capture();
      expect(await main([...args, ...extra], io)).toBe(1);
      expect(io.stderr()).toBe(`fasr: fasr sr --track: ${flag} applies to --lr/--features images only; a track is enhanced from the LR_0 crop and F_M that \`fasr process\` stored\n`);
    }
  });

  it('--keep-native-min-side: a track whose LR_0 native crop is at least that many px is kept native, not synthesized; 0 turns the rule off', async () => {
    const db = path.join(dir, 'native.db');
    const store = openStore(db);
    const src = store.upsertSource({ path: '/clips/big-face.mp4', sizeBytes: 1, mtimeMs: 1 });
    // a real face photo as the track's native crop (150 px: faceapi-bbt's gallery size) and the tiny model's 32 px LR_0
    const native = await decodeImageRgb(fs.readFileSync(BBT_FACE));
    expect([native.width, native.height]).toEqual([150, 150]);
    const side = native.width;
    const lr0 = new Uint8Array(32 * 32 * 3).map((_, i) => (i * 13) & 0xff);
    const [trackId] = store.replaceSourceResults(src.id, {
      tracks: [
        {
          trackKey: 1,
          lr0Index: 0,
          detections: [
            {
              detection: {
                frameIndex: 0, ptsMs: 0, bboxXYWH: [0, 0, 150, 150], score: 0.9,
                landmarks: { leftEye: [45, 60], rightEye: [105, 60], nose: [75, 90], mouthLeft: [54, 120], mouthRight: [96, 120] },
                yawDeg: 0, pitchDeg: 0, rollDeg: 0, quality: 0.5, sharpness: 10, frontalness: 1,
              },
              crops: [
                { kind: 'aligned-full', format: 'rgb8', widthPx: side, heightPx: side, image: native.rgb },
                { kind: 'lr0-model', format: 'png', widthPx: 32, heightPx: 32, image: await encodePng({ width: 32, height: 32, rgb: lr0 }) },
              ],
              embeddings: [],
            },
          ],
          fused: [],
        },
      ],
    }).trackIds;
    store.close();
    const args = ['sr', '--track', String(trackId), '--db', db, '--conditioning', 'zero', '--sampler', 'pc', '--steps', '1', '--engine', 'tfjs', ...MODEL];
    const kept = capture();
    expect(await main(args, kept)).toBe(0);
    expect(kept.stdout()).toMatch(new RegExp(`^kept native, not synthesized \\(native-crop-at-least-128px: native crop ${side} px\\): track ${trackId} -> sr output \\d+`, 'm'));
    expect(kept.stdout()).toMatch(/^time: \d+\.\d s; NFE: 0$/m);
    const again = capture();
    expect(await main(args, again)).toBe(0);
    expect(again.stdout()).toMatch(/^already kept native \(stored output reused\), not synthesized/m);
    // A threshold above the face: synthesized.
    const higher = capture();
    expect(await main([...args, '--keep-native-min-side', String(side + 1)], higher)).toBe(0);
    expect(higher.stdout()).toMatch(new RegExp(`^enhanced: track ${trackId} -> sr output \\d+`, 'm'));
    const off = capture();
    expect(await main([...args, '--keep-native-min-side', '0'], off)).toBe(0);
    expect(off.stdout()).toContain('already enhanced (stored output reused, nothing computed)');
    const check = openStore(db, { readonly: true });
    const rows = check.listSrOutputs(trackId as number);
    check.close();
    expect(rows.map((r) => [r.method, r.keptNative?.nativeSidePx ?? null, r.networkEvaluations])).toEqual([
      ['kept-native', side, 0],
      ['synthesized', null, 2],
    ]);
    const bad = capture();
    expect(await main([...args, '--keep-native-min-side', '-3'], bad)).toBe(1);
    expect(bad.stderr()).toBe('fasr: --keep-native-min-side: expected an integer in [0, 4096], received "-3"\n');
    const files = capture();
    expect(await main(['sr', '--lr', PROBE_LR, '--out', path.join(dir, 'n.png'), '--aligned', '--conditioning', 'zero', '--keep-native-min-side', '64', ...MODEL], files)).toBe(1);
    expect(files.stderr()).toBe("fasr: --keep-native-min-side: applies to --track only (the keep-native rule measures a stored track's LR_0 native crop)\n");
  });

  it('fails clearly: bad sampler, no face in an image, missing model, neither --track nor --lr', async () => {
    const run = async (args: string[]): Promise<{ code: number; err: string }> => {
      const io = capture();
      const code = await main(args, io);
      return { code, err: io.stderr() };
    };
    expect(await run(['sr', '--lr', PROBE_LR, '--out', path.join(dir, 'x.png'), '--aligned', '--conditioning', 'zero', '--sampler', 'ddim', ...MODEL])).toEqual({
      code: 1,
      err: 'fasr: --sampler: expected one of pc, reverse-diffusion, euler-maruyama, probability-flow, heun, euler-ode, adaptive, received "ddim"\n',
    });
    const blank = path.join(dir, 'blank.png');
    fs.writeFileSync(blank, await encodePng({ width: 96, height: 96, rgb: new Uint8Array(96 * 96 * 3).fill(128) }));
    const noFace = await run(['sr', '--lr', blank, '--out', path.join(dir, 'y.png'), '--conditioning', 'zero', '--steps', '1', ...MODEL]);
    expect(noFace).toEqual({ code: 1, err: `fasr: ${blank}: no face found (96x96); if it is already an aligned face crop, pass --aligned\n` });
    const missing = await run(['sr', '--lr', PROBE_LR, '--out', path.join(dir, 'z.png'), '--aligned', '--conditioning', 'zero', '--model', path.join(dir, 'none.pth')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^fasr: --model: .*none\.pth does not exist; pass --model <file>: a fasr model/);
    expect(await run(['sr', '--out', 'x.png'])).toEqual({ code: 1, err: 'fasr: fasr sr: give either --track <id> or --lr <image> with --features <images...> and --out <png>\n' });
  });
});
