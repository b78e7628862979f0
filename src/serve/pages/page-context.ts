/** What every page needs to know about the server it is rendered by. */
export interface PageContext {
  readonly readOnly: boolean;
  readonly pollIntervalMs: number;
  /** Whether the enhance / export actions exist in this build. */
  readonly canEnhance: boolean;
  readonly canExport: boolean;
  /** Why a missing action is missing. */
  readonly unavailableReasons: Readonly<Record<'enhance' | 'export', string>>;
  /** Sampler names for the re-run form (empty: free text). */
  readonly samplers: readonly string[];
  readonly pageSize: number;
}
