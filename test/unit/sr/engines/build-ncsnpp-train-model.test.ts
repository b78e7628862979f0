import { buildNcsnppTrainModel, exportNcsnppTrainOnnx, NCHWC_DOMAIN } from '../../../../src/sr/engines';
import { encodeOnnxModel } from '../../../../src/sr/engines/onnx/onnx-proto';
import { NCSNPP_PRESETS } from '../../../../src/sr/model-config';

// The tiny preset: nf 16, so its 16- and 32-channel 3×3 convolutions are multiples of both NCHWc block sizes.
const tiny = NCSNPP_PRESETS.tiny;

describe('buildNcsnppTrainModel (the training graph before serialisation; onnxruntime parity is in test/integration)', () => {
  it('serialises to exactly the bytes of exportNcsnppTrainOnnx, with the same names', () => {
    const built = buildNcsnppTrainModel(tiny, 2);
    const exported = exportNcsnppTrainOnnx(tiny, 2);
    expect(Buffer.from(encodeOnnxModel(built.model)).equals(Buffer.from(exported.bytes))).toBe(true);
    expect([built.lossOutput, built.perSampleOutput, built.forwardMacs]).toEqual([exported.lossOutput, exported.perSampleOutput, exported.forwardMacs]);
    expect([...built.gradOutputs]).toEqual([...exported.gradOutputs]);
    expect(built.params).toEqual(exported.params);
  });

  it('holds the blocked convolutions and their reorders when nchwcConvBlock is set, none without', () => {
    const blocked = buildNcsnppTrainModel(tiny, 2, { nchwcConvBlock: 16 }).model.graph.nodes.filter((n) => n.domain === NCHWC_DOMAIN);
    const count = (op: string): number => blocked.filter((n) => n.opType === op).length;
    expect(count('Conv')).toBeGreaterThan(0);
    // one ReorderInput and one ReorderOutput around every blocked convolution
    expect([count('ReorderInput'), count('ReorderOutput')]).toEqual([count('Conv'), count('Conv')]);
    expect(buildNcsnppTrainModel(tiny, 2, { nchwcConvBlock: 0 }).model.graph.nodes.some((n) => n.domain === NCHWC_DOMAIN)).toBe(false);
  });
});
