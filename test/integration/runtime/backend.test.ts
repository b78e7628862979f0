import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/runtime/backend';
import { BackendError } from '../../../src/contracts';

describe('initBackend', () => {
  it('auto picks wasm here, records why tfjs-node was skipped, and loads binaries from node_modules', async () => {
    const info = await initBackend('auto');
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.attempts.map((a) => [a.candidate, a.ok])).toEqual([
      ['@tensorflow/tfjs-node-gpu', false],
      ['@tensorflow/tfjs-node', false],
      ['@tensorflow/tfjs-backend-wasm', true],
    ]);
    expect(info.wasmDir).toMatch(/node_modules[\\/]@tensorflow[\\/]tfjs-backend-wasm[\\/]dist[\\/]$/);
    expect(info.wasmFeatures?.simd).toBe(true);
  });

  it('cpu can be chosen explicitly and computes', async () => {
    const info = await initBackend('cpu');
    expect(info.name).toBe('cpu');
    expect(info.reason).toBe('requested cpu: pure JavaScript backend');
    const s = tf.tidy(() => tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0]);
    expect(s).toBe(5);
  });

  it('an explicit tensorflow request fails with BackendError when tfjs-node is absent', async () => {
    await expect(initBackend('tensorflow')).rejects.toThrow(BackendError);
    await expect(initBackend('tensorflow')).rejects.toThrow(/backend tensorflow is unavailable: @tensorflow\/tfjs-node-gpu: not installed/);
  });

  it('rejects an unknown choice before touching tfjs', async () => {
    const before = tf.getBackend();
    await expect(initBackend('cuda')).rejects.toThrow('backend: expected one of auto, tensorflow, wasm, cpu, received "cuda"');
    expect(tf.getBackend()).toBe(before);
  });
});
