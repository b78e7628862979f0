/**
 * DEFAULT_RESIDUAL_SR_SAMPLER is not a guess: it is chooseResidualDefaultSampler's decision (issue
 * 16's rule) on the committed table docs/residual-samplers.json (scripts/recipe-validation.ts on
 * validation identities), and that table was measured on the committed residual model it names
 * (its sha256 is hashed here from the model.safetensors of the folder it names: the bundled model's).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_RESIDUAL_SR_SAMPLER, chooseResidualDefaultSampler } from '../../../../src/sr/enhance';
import type { RecipeValidationRow } from '../../../../src/sr/enhance';

const ROOT = path.resolve(__dirname, '../../../..');
const TABLE = path.join(ROOT, 'docs/residual-samplers.json');

describe('DEFAULT_RESIDUAL_SR_SAMPLER', () => {
  const table = JSON.parse(fs.readFileSync(TABLE, 'utf8')) as { models: { dir: string; id: string; sha256: string }[]; rows: RecipeValidationRow[] };
  const measured = table.models[0];

  it('was measured on the committed model the table names (hashed, not read from a sidecar)', () => {
    expect(measured).toBeDefined();
    const weights = path.join(ROOT, measured!.dir, 'model.safetensors');
    expect(createHash('sha256').update(fs.readFileSync(weights)).digest('hex')).toBe(measured!.sha256);
  });

  it("is the rule's decision on that table (at most 20 network calls, within 0.2 dB of the model's best)", () => {
    const decision = chooseResidualDefaultSampler(table.rows, path.basename(measured!.dir));
    expect(DEFAULT_RESIDUAL_SR_SAMPLER).toEqual(decision.options);
    expect(decision.nfe).toBeLessThanOrEqual(20);
  });
});
