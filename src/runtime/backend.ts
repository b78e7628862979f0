import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BackendError, InputError } from '../contracts';

/** The compute backends a user can ask for. */
export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** One candidate that `auto` considered, and what happened to it. */
export interface BackendAttempt {
  readonly candidate: string;
  readonly ok: boolean;
  readonly reason: string;
}

/** The backend in use and how it was chosen. */
export interface BackendInfo {
  /** What was asked for. */
  readonly requested: BackendChoice;
  /** tfjs backend name now active: 'tensorflow', 'wasm' or 'cpu'. */
  readonly name: string;
  /** The npm package that provides it. */
  readonly provider: string;
  /** Human-readable reason for the choice, including why better candidates were not used. */
  readonly reason: string;
  readonly attempts: readonly BackendAttempt[];
  /** For wasm: whether SIMD and threads are in use. */
  readonly wasmFeatures?: { readonly simd: boolean; readonly threads: boolean };
  /** For wasm: the local folder its .wasm binaries are loaded from. */
  readonly wasmDir?: string;
}

/** Folder (with trailing separator) holding the tfjs wasm binaries inside node_modules. */
export function wasmBinaryDir(): string {
  const wasmFile = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm');
  return path.dirname(wasmFile) + path.sep;
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}

async function tryTensorflow(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<BackendAttempt> {
  try {
    // The native bindings register the 'tensorflow' backend when required. They are optional
    // dependencies: absent on machines where their install script could not download libtensorflow.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(pkg);
  } catch (err) {
    return { candidate: pkg, ok: false, reason: `not installed or failed to load (${errorText(err)})` };
  }
  const ok = await tf.setBackend('tensorflow');
  return ok
    ? { candidate: pkg, ok: true, reason: 'native TensorFlow bindings loaded' }
    : { candidate: pkg, ok: false, reason: "loaded, but tf.setBackend('tensorflow') failed" };
}

async function tryWasm(): Promise<BackendAttempt & { dir?: string }> {
  let dir: string;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    dir = wasmBinaryDir();
    // Local binaries only: no network access is needed or attempted.
    wasm.setWasmPaths(dir);
  } catch (err) {
    return { candidate: '@tensorflow/tfjs-backend-wasm', ok: false, reason: `failed to load (${errorText(err)})` };
  }
  try {
    const ok = await tf.setBackend('wasm');
    if (!ok) return { candidate: '@tensorflow/tfjs-backend-wasm', ok: false, reason: "tf.setBackend('wasm') failed" };
  } catch (err) {
    return { candidate: '@tensorflow/tfjs-backend-wasm', ok: false, reason: `initialisation failed (${errorText(err)})` };
  }
  return { candidate: '@tensorflow/tfjs-backend-wasm', ok: true, reason: `WebAssembly binaries loaded from ${dir}`, dir };
}

async function useCpu(): Promise<BackendAttempt> {
  const ok = await tf.setBackend('cpu');
  return ok
    ? { candidate: '@tensorflow/tfjs (cpu)', ok: true, reason: 'pure JavaScript backend' }
    : { candidate: '@tensorflow/tfjs (cpu)', ok: false, reason: "tf.setBackend('cpu') failed" };
}

/**
 * Selects and initialises the TensorFlow.js backend.
 *
 * `auto` tries, in order, `@tensorflow/tfjs-node-gpu`, `@tensorflow/tfjs-node` (both optional
 * dependencies), the wasm backend (binaries from node_modules) and the plain cpu backend, and
 * records why each earlier candidate was not taken. An explicit choice fails if unavailable.
 *
 * @throws InputError for an unknown choice; BackendError when an explicit choice cannot start.
 */
export async function initBackend(choice: string = 'auto'): Promise<BackendInfo> {
  if (!(BACKEND_CHOICES as readonly string[]).includes(choice)) {
    throw new InputError(`backend: expected one of ${BACKEND_CHOICES.join(', ')}, received ${JSON.stringify(choice)}`, {
      option: 'backend',
    });
  }
  const requested = choice as BackendChoice;
  const attempts: BackendAttempt[] = [];
  const done = async (attempt: BackendAttempt & { dir?: string }, provider: string): Promise<BackendInfo> => {
    await tf.ready();
    const name = tf.getBackend();
    const skipped = attempts.filter((a) => !a.ok).map((a) => `${a.candidate}: ${a.reason}`);
    const reason =
      requested === 'auto'
        ? `auto: ${attempt.reason}${skipped.length > 0 ? `; skipped ${skipped.join('; ')}` : ''}`
        : `requested ${requested}: ${attempt.reason}`;
    const info: BackendInfo = { requested, name, provider, reason, attempts: [...attempts] };
    if (name === 'wasm') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const features = { simd: Boolean(tf.env().getBool('WASM_HAS_SIMD_SUPPORT')), threads: Boolean(tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')) };
      return { ...info, wasmFeatures: features, ...(attempt.dir !== undefined ? { wasmDir: attempt.dir } : {}) };
    }
    return info;
  };

  if (requested === 'auto' || requested === 'tensorflow') {
    for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const) {
      const attempt = await tryTensorflow(pkg);
      attempts.push(attempt);
      if (attempt.ok) return done(attempt, pkg);
    }
    if (requested === 'tensorflow') {
      throw new BackendError(`backend tensorflow is unavailable: ${attempts.map((a) => `${a.candidate}: ${a.reason}`).join('; ')}`, { attempts });
    }
  }
  if (requested === 'auto' || requested === 'wasm') {
    const attempt = await tryWasm();
    attempts.push(attempt);
    if (attempt.ok) return done(attempt, '@tensorflow/tfjs-backend-wasm');
    if (requested === 'wasm') throw new BackendError(`backend wasm is unavailable: ${attempt.reason}`, { attempts });
  }
  const attempt = await useCpu();
  attempts.push(attempt);
  if (!attempt.ok) throw new BackendError(`backend cpu is unavailable: ${attempt.reason}`, { attempts });
  return done(attempt, '@tensorflow/tfjs');
}
