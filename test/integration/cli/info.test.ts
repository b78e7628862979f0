import { main, type CliIo } from '../../../src/cli/main';

function capture(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => (out += t), err: (t) => (err += t), stdout: () => out, stderr: () => err };
}

describe('fasr info', () => {
  it('prints the wasm backend and why, the ffmpeg in use with its version, and the models found', async () => {
    const io = capture();
    const code = await main(['info'], io);
    expect(code).toBe(0);
    const text = io.stdout();
    expect(text).toMatch(/^backend: wasm \(provider @tensorflow\/tfjs-backend-wasm\)$/m);
    // tfjs-node cannot install on this machine: the reason must say so.
    expect(text).toMatch(/why: auto: .*skipped @tensorflow\/tfjs-node-gpu: not installed/);
    expect(text).toMatch(/^ffmpeg: \/\S+ \((system|npm|env)\)\n {2}version: ffmpeg version \S+/m);
    expect(text).toMatch(/^ffprobe: \/\S+ \((system|npm|env)\)\n {2}version: ffprobe version \S+/m);
    expect(text).toMatch(/found {3}blazeface/);
    expect(text).toMatch(/found {3}faceres/);
  });

  it('prints JSON with --json', async () => {
    const io = capture();
    expect(await main(['info', '--json'], io)).toBe(0);
    const info = JSON.parse(io.stdout()) as { backend: { name: string }; packages: Record<string, string | null> };
    expect(info.backend.name).toBe('wasm');
    expect(info.packages['@tensorflow/tfjs']).toMatch(/^4\./);
    expect(info.packages['@tensorflow/tfjs-node']).toBeNull();
  });

  it('rejects an unknown backend naming the valid choices, and an unknown option', async () => {
    const io = capture();
    expect(await main(['info', '--backend', 'gpu'], io)).toBe(1);
    expect(io.stderr()).toBe('fasr: backend: expected one of auto, tensorflow, wasm, cpu, received "gpu"\n');
    const io2 = capture();
    expect(await main(['info', '--bakend', 'wasm'], io2)).toBe(2);
    expect(io2.stderr()).toMatch(/unknown option '--bakend'/);
  });
});
