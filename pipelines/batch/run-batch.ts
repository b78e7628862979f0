import * as os from 'node:os';
import type { SourceOutcome } from '..';
import { InputError } from '../../src/contracts';
import { expandInputs, type InputReport } from '../../src/ingest';
import type { JsonValue, Store } from '../../src/store';
import type { BatchOptions } from './batch-options';
import { closeInterruptedRuns } from './close-interrupted-runs';
import { failedSourcesProblem, sumOutcomes, withRun } from '../with-run';
import type { SourceProcessor } from './source-processor';
import { runSourceStep, type SourceStepResult } from './source-step';

/** What a batch did. */
export interface BatchSummary {
  readonly runId: number;
  /** Runs of dead processes found `running` and closed as interrupted (see closeInterruptedRuns). */
  readonly interruptedRunIds: readonly number[];
  /** One report per input (files found, non-video files skipped, ...), in input order. */
  readonly inputs: readonly InputReport[];
  /** Input problems (not found, no match, no video files, unreadable directory), one line each. */
  readonly inputErrors: readonly string[];
  /** Per candidate file, in processing order (sorted by path). */
  readonly results: readonly SourceStepResult[];
  readonly processed: number;
  readonly done: number;
  readonly failed: number;
  readonly skipped: number;
  /** Candidates not started because the run was stopped (signal). */
  readonly notStarted: number;
  readonly stopped: boolean;
  /** Video time covered by the processed sources, ms. */
  readonly videoMs: number;
  readonly tracks: number;
  readonly elapsedMs: number;
}

/** Hooks of {@link runBatch}. */
export interface RunBatchHooks {
  /** Called before each candidate (index among the candidates, their count, its path). Must not throw. */
  readonly onSourceStart?: (index: number, total: number, filePath: string) => void;
  /** Called after each candidate. Must not throw. */
  readonly onSourceEnd?: (index: number, total: number, result: SourceStepResult) => void;
  /** Stops the batch between sources: the source being processed is finished first. */
  readonly signal?: AbortSignal;
  /** Extra component versions for the run row (detector / embedder ids, fasr version, ...). */
  readonly versions?: Readonly<Record<string, string>>;
  /** The effective configuration, for the run row. */
  readonly config?: JsonValue;
}

function outcomeOf(r: SourceStepResult): SourceOutcome | null {
  return r.kind === 'processed' ? r.outcome : null;
}

/**
 * A night's batch: expands files, directories (recursively) and globs (`expandInputs`), then
 * takes each candidate through {@link runSourceStep} in path order as ONE store run (a run row
 * per invocation). Sources already done with the same content hash are skipped unless
 * `options.force`; a source that fails is recorded with its reason and the batch goes on; input
 * problems (a missing path, a directory of thousands of non-video files) are reported, not fatal.
 * The run row ends `done` when every processed source is done, else `failed` with the failed
 * paths; a stopped batch ends `failed` with 'stopped'.
 *
 * Crash safety: each source's results are written in one transaction together with its `done`
 * status, so after `kill -9` a re-run skips what is done and redoes the rest
 * (docs/batch-watch-export.md, "Crash safety").
 *
 * @throws InputError for an empty input list (before any side effect).
 */
export async function runBatch(
  store: Store,
  inputs: readonly string[],
  options: Readonly<BatchOptions>,
  processor: SourceProcessor,
  hooks: RunBatchHooks = {},
): Promise<BatchSummary> {
  if (!Array.isArray(inputs) || inputs.length === 0) throw new InputError('runBatch: give at least one file, directory or glob', { option: 'inputs' });
  if (typeof processor !== 'function') throw new InputError('runBatch: processor must be a function (pipelineSourceProcessor)', { option: 'processor' });
  const t0 = Date.now();
  const expanded = await expandInputs(inputs, {
    ...(options.videoExtensions !== null ? { videoExtensions: options.videoExtensions } : {}),
    includeHidden: options.includeHidden,
  });
  const interrupted = closeInterruptedRuns(store);
  const start = {
    command: options.command,
    config: {
      inputs: [...inputs],
      batch: { force: options.force, includeHidden: options.includeHidden, videoExtensions: options.videoExtensions === null ? null : [...options.videoExtensions] },
      process: hooks.config ?? null,
      // Which process held the run: a row left 'running' by a dead pid was interrupted.
      runner: { pid: process.pid, host: os.hostname() },
    },
    versions: { ...(hooks.versions ?? {}) },
  };
  const files = expanded.files;
  return withRun(store, start, async (runId) => {
    const results: SourceStepResult[] = [];
    let stopped = false;
    for (const [index, f] of files.entries()) {
      if (hooks.signal?.aborted === true) {
        stopped = true;
        break;
      }
      hooks.onSourceStart?.(index, files.length, f.path);
      const r = await runSourceStep(store, { path: f.path, camera: f.layout?.camera ?? null, recordedAtMs: f.layout?.startUtcMs ?? null }, processor, { force: options.force, runId });
      results.push(r);
      hooks.onSourceEnd?.(index, files.length, r);
    }
    const outcomes = results.map(outcomeOf).filter((o): o is SourceOutcome => o !== null);
    const failed = outcomes.filter((o) => o.status === 'failed');
    const totals = sumOutcomes(outcomes);
    return {
      result: Object.freeze({
        runId,
        interruptedRunIds: Object.freeze(interrupted),
        inputs: expanded.inputs,
        inputErrors: expanded.errors.map((e) => e.message),
        results: Object.freeze(results),
        processed: outcomes.length,
        done: outcomes.length - failed.length,
        failed: failed.length,
        skipped: results.length - outcomes.length,
        notStarted: files.length - results.length,
        stopped,
        videoMs: totals.videoMs,
        tracks: totals.tracks,
        elapsedMs: Date.now() - t0,
      }),
      problems: [
        ...failedSourcesProblem(failed.map((o) => o.path), outcomes.length),
        ...(stopped ? [`stopped before ${files.length - results.length} of ${files.length} sources`] : []),
      ],
    };
  });
}
