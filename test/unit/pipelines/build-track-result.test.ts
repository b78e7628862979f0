import { buildTrackResult, CropKeeper, DEFAULT_PROCESS_CONFIG, detectionToFullResolution, parseProcessConfig, type DetectionCrops, type PipelineDetection } from '../../../pipelines';
import type { Detection, FaceCrop } from '../../../src/contracts';
import { fuseMean, fuseMean3Sigma, fuseQualityWeighted } from '../../../src/fuse';
import { decodeImageRgb, degradeLikeAuthors, floatToUint8, uint8ToFloat } from '../../../src/image';
import type { FinishedTrack } from '../../../src/track';
import { pipelineDetection } from './pipeline-detection-fixture';

function det(frameIndex: number, quality: number): PipelineDetection {
  return pipelineDetection(100 + frameIndex, frameIndex, quality);
}

/** A deterministic 128x128 test pattern (value depends on the seed). */
function crop(seed: number, size = 128): FaceCrop {
  const rgb = new Uint8Array(size * size * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 7 + seed * 31 + ((i / 384) | 0) * 13) & 0xff;
  return { width: size, height: size, rgb };
}

function emb(k: number): Float32Array {
  const v = new Float32Array(4);
  v[k % 4] = 1;
  v[(k + 1) % 4] = 0.2;
  return v;
}

describe('buildTrackResult', () => {
  const qualities = [0.5, 0.9, 0.7, 0.9, 0.2];
  const detections = qualities.map((q, i) => det(i, q));
  const finished: FinishedTrack<PipelineDetection> = {
    trackKey: 4,
    detections,
    embeddings: detections.map((_, i) => emb(i)),
    firstPtsMs: 0,
    lastPtsMs: 800,
    reentries: 0,
  };

  function kept(perTrack: number): ReturnType<CropKeeper<DetectionCrops>['take']> {
    const keeper = new CropKeeper<DetectionCrops>(perTrack, 10);
    detections.forEach((d) => keeper.addFrame(d.frameIndex, [{ detectionKey: d.detectionKey, frameIndex: d.frameIndex, quality: d.quality, crops: { aligned: crop(d.frameIndex), native: crop(d.frameIndex, 40) } }]));
    keeper.claim(4, detections.map((d) => d.detectionKey));
    return keeper.take(4);
  }

  it('stores every detection and embedding, crops of the K best, the model LR_0 on LR_0 only, and F_M (mean-3sigma)', async () => {
    const r = await buildTrackResult(finished, kept(2), 9, 'emb@1', DEFAULT_PROCESS_CONFIG);
    expect(r.trackKey).toBe(4);
    expect(r.lr0Index).toBe(1); // quality 0.9, earliest of the tie with index 3
    expect(r.detections).toHaveLength(5);
    expect(r.detections.map((d) => (d.crops ?? []).map((c) => c.kind))).toEqual([[], ['aligned128', 'aligned-full', 'lr0-model'], [], ['aligned128', 'aligned-full'], []]);
    expect(r.detections.map((d) => d.embeddings?.[0]?.cropKind)).toEqual([null, 'aligned128', null, 'aligned128', null]);
    expect(r.detections[0]!.detection).not.toHaveProperty('detectionKey');
    const { detectionKey: _key, ...plain } = detections[2]!;
    expect(r.detections[2]!.detection).toEqual(plain);
    const lr0Crops = r.detections[1]!.crops!;
    const aligned = await decodeImageRgb(lr0Crops[0]!.image);
    expect(Buffer.from(aligned.rgb).equals(Buffer.from(crop(1).rgb))).toBe(true); // PNG is lossless
    const lrModel = await decodeImageRgb(lr0Crops[2]!.image);
    expect(Buffer.from(lrModel.rgb).equals(Buffer.from(floatToUint8(degradeLikeAuthors(uint8ToFloat(crop(1).rgb), 128, { scale: 8 }))))).toBe(true);
    expect(r.fused).toEqual([fuseMean3Sigma(finished.embeddings as Float32Array[], 'emb@1', { threshold: 3, rule: 'cosine-distance' })]);
  });

  it('uses the configured fusion method', async () => {
    const embs = finished.embeddings as Float32Array[];
    const mean = await buildTrackResult(finished, kept(8), 9, 'e', parseProcessConfig({ fusion: { method: 'mean' } }));
    expect(mean.fused).toEqual([fuseMean(embs, 'e')]);
    const qw = await buildTrackResult(finished, kept(8), 9, 'e', parseProcessConfig({ fusion: { method: 'quality-weighted' } }));
    expect(qw.fused).toEqual([fuseQualityWeighted(embs, qualities, 'e')]);
  });

  it('with embed.topK = K, fuses the K best (earliest on ties), stores the embeddings it has, and points F_M into them', async () => {
    // Detections 0 and 4 were not embedded (they could not enter the track's 2 best when they came).
    const partial: FinishedTrack<PipelineDetection> = { ...finished, embeddings: finished.embeddings.map((e, i) => (i === 0 || i === 4 ? null : e)) };
    const r = await buildTrackResult(partial, kept(8), 9, 'e', parseProcessConfig({ embed: { topK: 2 } }));
    expect(r.detections.map((d) => d.embeddings?.length)).toEqual([0, 1, 1, 1, 0]);
    // The 2 best: 0.9 at index 1 and 0.9 at index 3; stored embeddings are of detections 1, 2, 3 → members 0 and 2.
    const embs = finished.embeddings as Float32Array[];
    const direct = fuseMean3Sigma([embs[1]!, embs[3]!], 'e', { threshold: 3, rule: 'cosine-distance' });
    expect(r.fused).toEqual([{ ...direct, memberIndices: [0, 2], rejectedIndices: [] }]);
    // A member without an embedding is a bug upstream.
    const broken: FinishedTrack<PipelineDetection> = { ...finished, embeddings: finished.embeddings.map((e, i) => (i === 3 ? null : e)) };
    await expect(buildTrackResult(broken, kept(8), 9, 'e', parseProcessConfig({ embed: { topK: 2 } }))).rejects.toThrow('track 4: detection 3 has no embedding');
    // topK 0: every detection is a member (the pipeline before the setting).
    const all = await buildTrackResult(finished, kept(8), 9, 'e', parseProcessConfig({ embed: { topK: 0 } }));
    expect(all.fused).toEqual([fuseMean3Sigma(embs, 'e', { threshold: 3, rule: 'cosine-distance' })]);
  });

  it('refuses a track whose LR_0 crops were not kept (a bug upstream), naming the track', async () => {
    const k = kept(8);
    k.delete(101);
    await expect(buildTrackResult(finished, k, 9, 'e', DEFAULT_PROCESS_CONFIG)).rejects.toThrow('track 4: the crops of its LR_0 detection (index 1) were not kept');
  });
});

describe('detectionToFullResolution', () => {
  it('scales box and landmarks by the analysis copy scale, keeps the rest', () => {
    const d: Detection = det(3, 0.5);
    const full = detectionToFullResolution(d, 2, 3);
    expect(full.bboxXYWH).toEqual([20, 60, 60, 120]);
    expect(full.landmarks).toEqual({ leftEye: [2, 6], rightEye: [6, 6], nose: [4, 9], mouthLeft: [2, 12], mouthRight: [6, 12] });
    expect({ ...full, bboxXYWH: d.bboxXYWH, landmarks: d.landmarks }).toEqual(d);
    expect(detectionToFullResolution(d, 1, 1)).toBe(d);
  });
});
