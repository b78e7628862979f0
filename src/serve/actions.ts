import type { Store } from '../store';

/** Options of an enhancement (a re-run with another seed or sampler is another call). */
export interface EnhanceTrackOptions {
  /** Noise seed, a non-negative safe integer. Default: the implementation's. */
  readonly seed?: number;
  /** Sampler name (one of `Actions.samplers` when that list is non-empty). Default: the implementation's. */
  readonly sampler?: string;
  /** Sampler steps, 1..100000. Default: the implementation's. */
  readonly steps?: number;
}

/** What one enhancement stored. */
export interface EnhanceTrackResult {
  /** The sr_outputs row (new, or the existing one for the same model, sampler, steps and seed). */
  readonly srOutputId: number;
  readonly inserted: boolean;
}

export interface ExportTracksOptions {
  /** A new, empty folder chosen by the server (never by the request). */
  readonly outDir: string;
}

/** Files written by an export (the same output as `fasr export`). */
export interface ExportTracksResult {
  readonly outDir: string;
  /** Paths of the files written, relative to outDir. */
  readonly files: readonly string[];
}

/** The review UI's actions. */
export type ActionName = 'enhance' | 'export';

/**
 * The library functions the review UI's actions call, injected into the server so that the UI
 * does not depend on how SR and export are built. A null member means "not available here": its
 * routes answer 501 with its entry of `unavailableReasons`.
 */
export interface Actions {
  readonly enhanceTrack: ((store: Store, trackId: number, opts: EnhanceTrackOptions) => Promise<EnhanceTrackResult>) | null;
  readonly exportTracks: ((store: Store, trackIds: readonly number[], opts: ExportTracksOptions) => Promise<ExportTracksResult>) | null;
  /** Sampler names enhanceTrack accepts; empty when it does not say (then any name is passed on). */
  readonly samplers: readonly string[];
  /** Why each missing action is missing, shown with its 501 and on its disabled button (ignored for a present one). */
  readonly unavailableReasons: Readonly<Record<ActionName, string>>;
}

/** No actions: every action route answers 501 with `reason`. */
export function noActions(reason: string): Actions {
  return Object.freeze({ enhanceTrack: null, exportTracks: null, samplers: Object.freeze([]), unavailableReasons: Object.freeze({ enhance: reason, export: reason }) });
}
