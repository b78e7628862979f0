import type { ScoredDetection } from '../../../src/contracts';
import { pngSizePx } from '../../../src/store/image-bytes';
import { planSourceResults } from '../../../src/store/results-plan';
import { ArgCheck } from '../../../src/store/validate';

function det(frameIndex: number, over: Partial<ScoredDetection> = {}): ScoredDetection {
  const p: [number, number] = [1, 2];
  return {
    frameIndex, ptsMs: frameIndex * 40, bboxXYWH: [0, 0, 10, 10], score: 0.9,
    landmarks: { leftEye: p, rightEye: p, nose: p, mouthLeft: p, mouthRight: p },
    yawDeg: 0, pitchDeg: 0, rollDeg: 0, quality: 0.5, sharpness: 10, frontalness: 1, ...over,
  };
}

const plan = (results: unknown) => planSourceResults(new ArgCheck('replaceSourceResults'), results);
const emb = (modelId: string, dim: number) => ({ modelId, vector: new Float32Array(dim).fill(0.5) });

describe('planSourceResults (validation of replaceSourceResults input)', () => {
  it('computes track summaries', () => {
    const p = plan({
      tracks: [{
        trackKey: 4, lr0Index: 1,
        detections: [
          { detection: det(3, { quality: 0.2 }), embeddings: [emb('e', 4)] },
          { detection: det(9, { quality: 0.7 }), crops: [{ kind: 'aligned128', format: 'rgb8', widthPx: 2, heightPx: 2, image: new Uint8Array(12) }], embeddings: [emb('e', 4)] },
        ],
        fused: [{ featureVector: new Float32Array(4), embedderId: 'e', method: 'mean', memberIndices: [1, 0], rejectedIndices: [] }],
      }],
    });
    expect(p.runId).toBeNull();
    expect(p.tracks[0]).toMatchObject({
      trackKey: 4, lr0Index: 1, status: 'ok', rejectReason: null, firstFrameIndex: 3, lastFrameIndex: 9, firstPtsMs: 120, lastPtsMs: 360,
      cropCount: 1, embeddingCount: 2, bestQuality: 0.7,
    });
    expect(p.tracks[0]?.fused[0]?.memberIndices).toEqual([1, 0]);
  });

  it('rejects inconsistent tracks with the path of the bad field', () => {
    const d = (i: number) => ({ detection: det(i) });
    expect(() => plan({ tracks: [{ trackKey: 1, lr0Index: 0, detections: [] }] })).toThrow(
      'replaceSourceResults.results.tracks[0].detections: expected a non-empty array, received []',
    );
    expect(() => plan({ tracks: [{ trackKey: 1, lr0Index: 2, detections: [d(0), d(1)] }] })).toThrow(
      'replaceSourceResults.results.tracks[0].lr0Index: expected an integer in [0, 1], received 2',
    );
    expect(() => plan({ tracks: [{ trackKey: 1, lr0Index: 0, detections: [d(5), d(5)] }] })).toThrow(
      "replaceSourceResults.results.tracks[0].detections[1].detection.frameIndex: expected a frame index greater than the previous detection's (5); detections must be in frame order, received 5",
    );
    expect(() => plan({ tracks: [{ trackKey: 1, lr0Index: 0, detections: [d(0)], status: 'rejected' }] })).toThrow(
      'replaceSourceResults.results.tracks[0].rejectReason: expected a non-empty string of at most 4096 characters, received undefined',
    );
    expect(() => plan({ tracks: [{ trackKey: 1, lr0Index: 0, detections: [{ detection: det(0, { bboxXYWH: [0, 0, 0, 5] }) }] }] })).toThrow(
      'replaceSourceResults.results.tracks[0].detections[0].detection.bboxXYWH[2]: expected a width > 0, received 0',
    );
    const crop = { kind: 'a', format: 'rgb8', widthPx: 2, heightPx: 2, image: new Uint8Array(11) };
    expect(() => plan({ tracks: [{ trackKey: 1, lr0Index: 0, detections: [{ detection: det(0), crops: [crop] }] }] })).toThrow(
      "replaceSourceResults.results.tracks[0].detections[0].crops[0].image: expected 2*2*3 = 12 bytes of RGB (format 'rgb8'), received a Uint8Array of length 11",
    );
    expect(() =>
      plan({ tracks: [{ trackKey: 1, lr0Index: 0, detections: [{ detection: det(0), embeddings: [{ ...emb('e', 2), cropKind: 'aligned128' }] }] }] }),
    ).toThrow(
      "replaceSourceResults.results.tracks[0].detections[0].embeddings[0].cropKind: expected the kind of one of the detection's crops (it has none), received \"aligned128\"",
    );
    expect(() =>
      plan({ tracks: [{ trackKey: 1, lr0Index: 0, detections: [{ detection: det(0), embeddings: [emb('e', 2)] }, { detection: det(1), embeddings: [emb('e', 3)] }] }] }),
    ).toThrow(/^replaceSourceResults\.results\.tracks\[0\]\.detections\[1\]\.embeddings\[0\]\.vector: expected a vector of length 2 like the track's other "e" embeddings/);
    const fused = { featureVector: new Float32Array(2), embedderId: 'e', method: 'mean', memberIndices: [0], rejectedIndices: [0] };
    expect(() => plan({ tracks: [{ trackKey: 1, lr0Index: 0, detections: [{ detection: det(0), embeddings: [emb('e', 2)] }], fused: [fused] }] })).toThrow(
      'replaceSourceResults.results.tracks[0].fused[0].rejectedIndices[0]: expected an index not also in memberIndices, received 0',
    );
    expect(() => plan({ tracks: [{ trackKey: 1, lr0Index: 0, detections: [d(0)], fused: [{ ...fused, rejectedIndices: [] }] }] })).toThrow(
      'replaceSourceResults.results.tracks[0].fused[0].memberIndices[0]: expected an index into the track\'s embeddings of model "e", but the track has none, received 0',
    );
    expect(() => plan({ tracks: [], runID: 3 })).toThrow('replaceSourceResults.results: unknown key "runID"; valid keys: tracks, runId');
  });

  it('reads a PNG size from its IHDR', () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000800000004008020000', 'hex');
    expect(pngSizePx(png)).toEqual({ widthPx: 128, heightPx: 64 });
    expect(pngSizePx(Buffer.from('not a png at all, not at all....'))).toBeNull();
  });
});
