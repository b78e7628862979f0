import * as path from 'node:path';
import { registerSource, type ProcessConfig, type SourceOutcome } from '..';
import type { SourceProcessor } from '../batch';
import { FasrError } from '../../src/contracts';
import type { FfmpegBinaries } from '../../src/ingest';
import type { JsonValue } from '../../src/store';
import type { QueuedSrSpec } from './enhance-track-via-queue';
import { finishSourceViaQueue, type QueuedSourceContext } from './finish-source-via-queue';
import type { QueueClient } from './queue-client';

/**
 * A batch/watch `SourceProcessor` whose work runs on queue workers (`fasr watch --queue`): the
 * same registration and write as `processSource` (registerSource … writeSourceResults), with
 * `computeSourceResults` on a worker in between. Like the in-process processor it finishes the
 * source it was given before returning (no stop signal: the current file is completed, never
 * half-written), records failures in the store, and throws only for invalid arguments.
 * @param sr also enhance each stored 'ok' track through SR jobs; null: no SR.
 */
export function queueSourceProcessor(client: QueueClient, config: Readonly<ProcessConfig>, binaries: FfmpegBinaries, sr: QueuedSrSpec | null = null): SourceProcessor {
  const configJson = JSON.parse(JSON.stringify(config)) as JsonValue;
  return async (store, filePath, runId): Promise<SourceOutcome> => {
    const reg = await registerSource(store, path.resolve(filePath), filePath, binaries, runId);
    const ctx: QueuedSourceContext = { store, client, config, configJson, runId, sr };
    const r = await finishSourceViaQueue(ctx, filePath, reg);
    // Without a signal the wait is never stopped; a null here would be a bug.
    if (r === null) throw new FasrError('E_QUEUE', `queue processor: the wait for ${filePath} ended without a result`);
    return r.outcome;
  };
}
