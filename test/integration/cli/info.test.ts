import * as fs from 'node:fs';
import * as path from 'node:path';
import { main, type CliIo } from '../../../src/cli/main';
import { installedPackageVersion } from '../../../src/runtime/package-info';

function capture(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => (out += t), err: (t) => (err += t), stdout: () => out, stderr: () => err };
}

const ROOT = path.resolve(__dirname, '../../..');
const PROJECT_VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const BUNDLED = fs.readdirSync(path.join(ROOT, 'models')).filter((n) => fs.existsSync(path.join(ROOT, 'models', n, 'model.json')));

/**
 * Whether the optional accelerated tfjs packages (@tensorflow/tfjs-node, -gpu) are installed here
 * is a fact about the machine, not about fasr: the test is told which by FASR_TEST_TFJS_NODE
 * ('absent', the default: the development machine, or 'present': after the README's accelerator
 * install) and asserts exactly that outcome.
 */
const TFJS_NODE = process.env.FASR_TEST_TFJS_NODE ?? 'absent';
if (TFJS_NODE !== 'absent' && TFJS_NODE !== 'present') throw new Error(`FASR_TEST_TFJS_NODE: expected "absent" or "present", received ${JSON.stringify(TFJS_NODE)}`);

describe('fasr info', () => {
  it('prints the version of the project, the chosen backend, the ffmpeg in use with its version, and the models found (the bundled SR model too)', async () => {
    expect(BUNDLED.length).toBeGreaterThan(0);
    const io = capture();
    const code = await main(['info', '--backend', 'wasm'], io);
    expect(code).toBe(0);
    const text = io.stdout();
    expect(text.split('\n')[0]).toMatch(new RegExp(`^fasr ${PROJECT_VERSION.replace(/\./g, '\\.')} \\(node `));
    expect(text).toMatch(/^backend: wasm \(provider @tensorflow\/tfjs-backend-wasm\)$/m);
    expect(text).toMatch(/^ffmpeg: \/\S+ \((system|npm|env)\)\n {2}version: ffmpeg version \S+/m);
    expect(text).toMatch(/^ffprobe: \/\S+ \((system|npm|env)\)\n {2}version: ffprobe version \S+/m);
    expect(text).toMatch(/found {3}blazeface/);
    expect(text).toMatch(/found {3}faceres/);
    for (const name of BUNDLED) expect(text).toContain(`found   ${name}`);
    expect(text).toContain(path.join('models', BUNDLED[0] as string, 'model.safetensors'));
    expect(text).not.toContain('no bundled SR model');
  });

  it('fasr --version prints the project version, and runs record it (installedPackageVersion of fasr)', async () => {
    const io = capture();
    expect(await main(['--version'], io)).toBe(0);
    expect(io.stdout().trim()).toBe(PROJECT_VERSION);
    expect(installedPackageVersion('fasr')).toBe(PROJECT_VERSION);
  });

  it(`prints JSON with --json (accelerated tfjs packages ${TFJS_NODE}, FASR_TEST_TFJS_NODE)`, async () => {
    const io = capture();
    expect(await main(['info', '--json'], io)).toBe(0);
    const info = JSON.parse(io.stdout()) as { fasrVersion: string; backend: { name: string; reason: string }; packages: Record<string, string | null>; models: { id: string; found: boolean }[] };
    expect(info.fasrVersion).toBe(PROJECT_VERSION);
    expect(info.packages['@tensorflow/tfjs']).toMatch(/^4\./);
    expect(info.models.filter((m) => BUNDLED.includes(m.id)).map((m) => m.found)).toEqual(BUNDLED.map(() => true));
    if (TFJS_NODE === 'absent') {
      expect(info.backend.name).toBe('wasm');
      expect(info.backend.reason).toMatch(/auto: .*skipped @tensorflow\/tfjs-node-gpu: not installed/);
      expect(info.packages['@tensorflow/tfjs-node']).toBeNull();
    } else {
      expect(info.backend.name).toBe('tensorflow');
      expect(info.packages['@tensorflow/tfjs-node'] ?? info.packages['@tensorflow/tfjs-node-gpu']).toMatch(/^4\./);
    }
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
