import type * as tf from '@tensorflow/tfjs';
import { InputError } from '../../contracts';
import type { NcsnppConfig } from '../model-config';
import type { NcsnppModel } from '../models';
import type { SrEngine, SrEngineTiming } from './sr-engine';

/**
 * The tfjs engine: a thin adapter over `NcsnppModel` (src/sr/models) on the active tfjs backend
 * (`initBackend`). Takes ownership of the model: {@link dispose} disposes it.
 */
export class TfjsSrEngine implements SrEngine {
  readonly name = 'tfjs' as const;
  readonly config: NcsnppConfig;
  private readonly model: NcsnppModel;
  private disposed = false;
  private calls = 0;
  private totalMs = 0;

  constructor(model: NcsnppModel) {
    this.model = model;
    this.config = model.config;
  }

  forward(xNHWC: tf.Tensor4D, yNHWC: tf.Tensor4D, sigmas: tf.Tensor1D, feat: tf.Tensor2D): tf.Tensor4D {
    if (this.disposed) throw new InputError('tfjs SR engine used after dispose()');
    const t0 = performance.now();
    const out = this.model.forward(xNHWC, yNHWC, sigmas, feat);
    this.totalMs += performance.now() - t0;
    this.calls++;
    return out;
  }

  /** With tfjs the network time is the whole call (kernels may still run asynchronously on GPU backends). */
  timing(): SrEngineTiming {
    return { calls: this.calls, totalMs: this.totalMs, networkMs: this.totalMs };
  }

  resetTiming(): void {
    this.calls = 0;
    this.totalMs = 0;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
    return Promise.resolve();
  }
}
