import { ConfigError } from '../../../../src/contracts';
import { createFaceEmbedder, createLbpEmbedder, DEFAULT_EMBEDDER_NAME, EMBEDDER_NAMES } from '../../../../src/fuse/embedders';

describe('createFaceEmbedder', () => {
  it('rejects an unknown name, listing the valid ones', async () => {
    await expect(createFaceEmbedder('arcface')).rejects.toThrow(ConfigError);
    await expect(createFaceEmbedder('arcface')).rejects.toThrow('embedder: expected one of faceres, dlib-resnet, lbp, received "arcface"');
  });
  it('has a default among the names', () => {
    expect(EMBEDDER_NAMES).toContain(DEFAULT_EMBEDDER_NAME);
  });
  it('rejects unknown and out-of-range config keys before loading anything', async () => {
    await expect(createFaceEmbedder('faceres', { batchsize: 4 })).rejects.toThrow(/unknown key\(s\) "batchsize" \(valid keys: batchSize, modelDir\)/);
    await expect(createFaceEmbedder('dlib-resnet', { batchSize: 0 })).rejects.toThrow(/invalid DlibResnetEmbedder config: batchSize: Number must be greater than or equal to 1/);
    await expect(createLbpEmbedder({ gridSize: 40 })).rejects.toThrow(/gridSize/);
  });
});
