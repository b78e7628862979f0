import { z } from 'zod';
import { ConfigError, InputError } from '../../contracts';
import { checkNumber, checkOptionKeys } from '../../validate';

/** One sampler setting's mean quality over the benchmark faces (a row of bench/samplers.ts). */
export interface SamplerQualityRow {
  /** Canonical sampler label (`samplerLabel`), e.g. `heun(steps=18,…)`. */
  readonly label: string;
  /** The sampler options as `parseSamplerConfig` takes them, e.g. `{ sampler: 'heun', steps: 18 }`. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Mean network evaluations per face. */
  readonly nfe: number;
  /** Mean PSNR to the HR face, dB. */
  readonly psnrDb: number;
  /** Mean SSIM to the HR face. */
  readonly ssim: number;
  /** Mean identity cosine to the HR face (an embedder that did not condition the model). */
  readonly identityCosine: number;
}

/** The benchmark table the rule reads: the reference (the paper's 2000-step PC sampler) and the candidates, same faces and seeds. */
export interface SamplerQualityTable {
  readonly reference: SamplerQualityRow;
  readonly rows: readonly SamplerQualityRow[];
}

/** Thresholds of the rule (issue 5: 0.3 dB PSNR and 0.01 identity cosine). */
export interface DefaultSamplerRule {
  /** Largest allowed PSNR loss against the reference, dB. Finite, ≥ 0. Default 0.3. */
  readonly maxPsnrLossDb: number;
  /** Largest allowed identity-cosine loss against the reference. Finite, ≥ 0. Default 0.01. */
  readonly maxCosineLoss: number;
}

export const DEFAULT_SAMPLER_RULE: Readonly<DefaultSamplerRule> = Object.freeze({ maxPsnrLossDb: 0.3, maxCosineLoss: 0.01 });

/** What {@link chooseDefaultSampler} decided, and why. */
export interface DefaultSamplerDecision {
  /** The fewest-NFE row within the thresholds (the reference itself when no candidate is). */
  readonly chosen: SamplerQualityRow;
  /** Rows within the thresholds (reference included), fewest NFE first. */
  readonly eligible: readonly SamplerQualityRow[];
  /** One line for logs and docs. */
  readonly reason: string;
}

const rowSchema = z
  .object({
    label: z.string().min(1),
    options: z.record(z.string(), z.unknown()),
    nfe: z.number().finite().positive(),
    psnrDb: z.number(),
    ssim: z.number().finite(),
    identityCosine: z.number().finite(),
  })
  .passthrough();
const tableSchema = z.object({ reference: rowSchema, rows: z.array(rowSchema) }).passthrough();

/**
 * Validates a table read from JSON (the file bench/samplers.ts writes); extra fields are kept.
 * @throws InputError naming the first bad field.
 */
export function parseSamplerQualityTable(input: unknown, source = 'sampler table'): SamplerQualityTable {
  const parsed = tableSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`${source}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`, { reason: 'schema' });
  }
  return parsed.data as SamplerQualityTable;
}

/**
 * The default-sampler rule of issue 5: among the rows and the reference, keep those whose mean
 * PSNR is at most `maxPsnrLossDb` below the reference's and whose mean identity cosine is at most
 * `maxCosineLoss` below it (being better than the reference is fine: the rule is one-sided), then
 * take the fewest NFE; ties go to the higher PSNR, then the label. Pure: the same table gives the
 * same decision.
 * @throws ConfigError for bad thresholds; InputError for a malformed table.
 */
export function chooseDefaultSampler(table: SamplerQualityTable, rule: Partial<DefaultSamplerRule> = {}): DefaultSamplerDecision {
  const where = 'chooseDefaultSampler';
  const raw = checkOptionKeys(where, rule, ['maxPsnrLossDb', 'maxCosineLoss']);
  const maxPsnrLossDb = checkNumber(where, 'maxPsnrLossDb', raw.maxPsnrLossDb ?? DEFAULT_SAMPLER_RULE.maxPsnrLossDb, { min: 0 });
  const maxCosineLoss = checkNumber(where, 'maxCosineLoss', raw.maxCosineLoss ?? DEFAULT_SAMPLER_RULE.maxCosineLoss, { min: 0 });
  parseSamplerQualityTable(table); // validation only: the decision returns the caller's own row objects
  const { reference, rows } = table;
  if (!Number.isFinite(reference.psnrDb)) throw new ConfigError(`${where}: the reference PSNR must be finite, received ${reference.psnrDb}`);
  const within = (r: SamplerQualityRow): boolean =>
    r.psnrDb >= reference.psnrDb - maxPsnrLossDb && r.identityCosine >= reference.identityCosine - maxCosineLoss;
  const eligible = [reference, ...rows.filter(within)].sort((a, b) => a.nfe - b.nfe || b.psnrDb - a.psnrDb || a.label.localeCompare(b.label));
  const chosen = eligible[0] ?? reference;
  const reason =
    chosen === reference
      ? `no sampler is within ${maxPsnrLossDb} dB PSNR and ${maxCosineLoss} identity cosine of the reference ${reference.label}; it stays the default`
      : `${chosen.label}: ${chosen.nfe} NFE, PSNR ${chosen.psnrDb.toFixed(2)} dB (reference ${reference.psnrDb.toFixed(2)}), identity cosine ${chosen.identityCosine.toFixed(4)} (reference ${reference.identityCosine.toFixed(4)}): the fewest NFE within ${maxPsnrLossDb} dB and ${maxCosineLoss} of ${reference.label} (${reference.nfe} NFE)`;
  return { chosen, eligible, reason };
}
