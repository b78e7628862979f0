import type { PipelineResult } from '../../pipelines/batch';
import { FasrError } from '../contracts';

/**
 * The exit status of `fasr batch` and `fasr run` from what a pipeline did: a batch with failed
 * sources or tracks that could not be enhanced fails (the reasons were logged as they happened).
 * @throws FasrError E_SOURCES_FAILED or E_SR_FAILED.
 */
export function throwOnPipelineFailures(r: PipelineResult): void {
  if (r.kind === 'batch' && r.batch.failed > 0) {
    throw new FasrError('E_SOURCES_FAILED', `${r.batch.failed} of ${r.batch.processed} sources failed (reasons above; recorded in ${r.db})`);
  }
  if (r.kind === 'batch' && r.sr !== null && r.sr.failed.length > 0) {
    throw new FasrError('E_SR_FAILED', `${r.sr.failed.length} tracks could not be enhanced (reasons above; SR run ${r.sr.runId} in ${r.db})`);
  }
}
