import { CheckpointError } from '../../contracts';
import type { StateDict } from '../checkpoint/host-tensor';
import { numel } from '../checkpoint/host-tensor';
import type { NcsnppSpec } from './ncsnpp-spec';

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/**
 * The one strict check of an NCSN++ state dict against its spec, before anything is allocated or
 * exported: every tensor present (with a hint when the keys still carry DataParallel's `module.`
 * prefix), nothing extra, exact shape, dtype and value count (torch's `load_state_dict(strict=True)`).
 * Used by `NcsnppModel.fromStateDict` and `exportNcsnppOnnx`.
 * @param where prefix of the messages, e.g. 'state dict' or 'ONNX export: state dict'
 * @throws CheckpointError `<where>: missing tensor "<name>" (expected <dtype> [<shape>])`, or
 *   `<where>: tensor "<name>" has shape|dtype …, expected …`, or `<where>: unexpected tensor …`;
 *   its context names the tensor with the expected and actual values.
 */
export function checkNcsnppStateDict(spec: NcsnppSpec, sd: StateDict, where: string): void {
  for (const p of spec.params) {
    const t = sd.get(p.name);
    if (t === undefined) {
      const hint = sd.has(`module.${p.name}`) ? " (the keys still carry DataParallel's 'module.' prefix; strip it)" : '';
      throw new CheckpointError(`${where}: missing tensor "${p.name}" (expected ${p.dtype} ${shapeText(p.shape)})${hint}`, {
        tensor: p.name,
        expected: { dtype: p.dtype, shape: p.shape },
        actual: null,
      });
    }
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      throw new CheckpointError(`${where}: tensor "${p.name}" has shape ${shapeText(t.shape)}, expected ${shapeText(p.shape)}`, {
        tensor: p.name,
        expected: p.shape,
        actual: t.shape,
      });
    }
    if (t.dtype !== p.dtype) {
      throw new CheckpointError(`${where}: tensor "${p.name}" has dtype ${t.dtype}, expected ${p.dtype}`, {
        tensor: p.name,
        expected: p.dtype,
        actual: t.dtype,
      });
    }
    if (t.data.length !== numel(p.shape)) {
      throw new CheckpointError(`${where}: tensor "${p.name}" holds ${t.data.length} values, expected ${numel(p.shape)} for shape ${shapeText(p.shape)}`, {
        tensor: p.name,
        expected: numel(p.shape),
        actual: t.data.length,
      });
    }
  }
  const known = new Set(spec.params.map((p) => p.name));
  for (const [name, t] of sd) {
    if (!known.has(name)) {
      throw new CheckpointError(`${where}: unexpected tensor "${name}" (${t.dtype} ${shapeText(t.shape)}); this NCSN++ config has no such tensor`, {
        tensor: name,
        expected: null,
        actual: { dtype: t.dtype, shape: t.shape },
      });
    }
  }
}
