import type { ScoredDetection, Track } from '../../../src/contracts';
import { cropInputFromFaceCrop, trackResultInput } from '../../../src/store/track-result-input';
import { planSourceResults } from '../../../src/store/results-plan';
import { ArgCheck } from '../../../src/store/validate';

function det(frameIndex: number): ScoredDetection {
  const p: [number, number] = [1, 2];
  return {
    frameIndex, ptsMs: frameIndex * 40, bboxXYWH: [0, 0, 10, 10], score: 0.9,
    landmarks: { leftEye: p, rightEye: p, nose: p, mouthLeft: p, mouthRight: p },
    yawDeg: 0, pitchDeg: 0, rollDeg: 0, quality: 0.5, sharpness: 10, frontalness: 1,
  };
}

describe('trackResultInput', () => {
  const track: Track = { trackKey: 8, sourceId: 1, detections: [det(0), det(2)], lr0Index: 1 };

  it('maps a contracts Track with parallel crops and embeddings into valid replaceSourceResults input', () => {
    const crop = cropInputFromFaceCrop('aligned128', { width: 2, height: 1, rgb: new Uint8Array(6) });
    expect(crop).toEqual({ kind: 'aligned128', format: 'rgb8', widthPx: 2, heightPx: 1, image: new Uint8Array(6) });
    const input = trackResultInput(track, {
      crops: [[crop], []],
      embeddings: [[{ modelId: 'e', vector: new Float32Array([1, 0]), cropKind: 'aligned128' }], [{ modelId: 'e', vector: new Float32Array([0, 1]) }]],
      fused: [{ featureVector: new Float32Array([0.5, 0.5]), embedderId: 'e', method: 'mean', memberIndices: [0, 1], rejectedIndices: [] }],
    });
    expect(input.detections.map((d) => d.detection)).toEqual(track.detections);
    const plan = planSourceResults(new ArgCheck('replaceSourceResults'), { tracks: [input] });
    expect(plan.tracks[0]).toMatchObject({ trackKey: 8, lr0Index: 1, cropCount: 1, embeddingCount: 2, firstFrameIndex: 0, lastFrameIndex: 2 });
  });

  it('rejects extras that do not line up with the detections', () => {
    expect(() => trackResultInput(track, { crops: [[]] })).toThrow(
      'trackResultInput: expected extras.crops to have one entry per detection (2) of track 8, received 1',
    );
  });
});
