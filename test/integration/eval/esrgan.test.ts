/**
 * The esrgan eval method's model: UpscalerJS's ESRGAN-thick x8 from its npm package, loaded with
 * the project's tfjs (wasm). Its value range is checked on the 10 fasr-samples probes against the
 * figure of issue 20 (26.80 dB PSNR-Y with sharp's bicubic 16x16 LR): a wrong range (0–255 instead
 * of 0–1) gives single-digit dB. Tolerance 0.02 dB: float32 rounding between backends and the
 * 8-bit quantisation of the output.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { loadEsrganX8, psnrY } from '../../../src/eval';
import { floatToUint8, readImageRgb, uint8ToFloat } from '../../../src/image';
import { initBackend } from '../../../src/runtime/backend';

const SAMPLES = path.resolve(__dirname, '../../../../shared/data/faces/fasr-samples');

describe('loadEsrganX8', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('upscales the 10 probes x8 at 26.80 dB PSNR-Y (sharp bicubic LR), leaks no tensor, and refuses a wrong size', async () => {
    const before = tf.memory().numTensors;
    const up = await loadEsrganX8();
    expect(up.id).toBe('@upscalerjs/esrgan-thick@1.0.0/x8');
    expect(up.sha256).toMatch(/^[0-9a-f]{64}$/);
    const names = fs.readdirSync(path.join(SAMPLES, 'probe_HR')).sort();
    expect(names).toHaveLength(10);
    let sum = 0;
    for (const n of names) {
      const file = path.join(SAMPLES, 'probe_HR', n);
      const hr = uint8ToFloat((await readImageRgb(file)).rgb);
      const lr = uint8ToFloat(new Uint8Array(await sharp(file).resize(16, 16, { kernel: 'cubic' }).removeAlpha().raw().toBuffer()));
      const [out] = up.upscale([lr], 16);
      expect(out).toHaveLength(128 * 128 * 3);
      sum += psnrY(uint8ToFloat(floatToUint8(out as Float32Array)), hr);
    }
    expect(Math.abs(sum / names.length - 26.8)).toBeLessThan(0.02);
    expect(() => up.upscale([new Float32Array(15 * 15 * 3)], 16)).toThrow('esrgan: expected 16x16x3 values, received 675');
    up.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => up.upscale([new Float32Array(16 * 16 * 3)], 16)).toThrow('esrgan: upscaler used after dispose()');
  }, 120_000);
});
