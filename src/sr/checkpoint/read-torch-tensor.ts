import { CheckpointError } from '../../contracts';
import type { HostTensor } from './host-tensor';
import { describeValue } from './pickle-reader';
import { openTorchFile } from './torch-file';
import { TorchTensor } from './torch-tensor';

/**
 * Reads a file holding one `torch.Tensor` saved with `torch.save` (e.g. the authors'
 * `sample_features_celeba.t`, shape (10, 1, 512) float32), honouring storage offset and strides.
 * @throws CheckpointError when the file is not a torch file or its root is not a tensor.
 */
export async function readTorchTensor(file: string): Promise<HostTensor> {
  const t = openTorchFile(file);
  try {
    if (!(t.root instanceof TorchTensor)) {
      throw new CheckpointError(`${file}: expected a single tensor at the root, got ${describeValue(t.root)}`, { path: file });
    }
    return t.root.toHostTensor();
  } finally {
    t.close();
  }
}
