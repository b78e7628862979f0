import { CropKeeper, type KeptCrops } from '../../../pipelines';

const entry = (detectionKey: number, frameIndex: number, quality: number): KeptCrops<string> => ({ detectionKey, frameIndex, quality, crops: `crop${detectionKey}` });

describe('CropKeeper', () => {
  it('keeps the K best crops of a track, earliest frame on ties (so LR_0 survives the cap)', () => {
    const k = new CropKeeper<string>(2, 4);
    k.addFrame(0, [entry(0, 0, 0.5)]);
    k.addFrame(1, [entry(1, 1, 0.9)]);
    k.addFrame(2, [entry(2, 2, 0.9)]);
    k.claim(7, [0, 1, 2]);
    k.addFrame(3, [entry(3, 3, 0.95)]);
    k.claim(7, [3]);
    const kept = k.take(7);
    expect([...kept.keys()].sort()).toEqual([1, 3]);
    expect(kept.get(3)?.crops).toBe('crop3');
    expect(k.take(7).size).toBe(0); // taken once
  });

  it('ties keep the earlier frame', () => {
    const k = new CropKeeper<string>(1, 4);
    k.addFrame(0, [entry(0, 0, 0.8)]);
    k.addFrame(1, [entry(1, 1, 0.8)]);
    k.claim(1, [1, 0]);
    expect([...k.take(1).keys()]).toEqual([0]);
  });

  it('forgets unclaimed crops older than pendingFrames frames, so tentative tracks cannot pile up memory', () => {
    const k = new CropKeeper<string>(8, 3);
    k.addFrame(0, [entry(0, 0, 0.5), entry(1, 0, 0.5)]);
    k.addFrame(1, [entry(2, 1, 0.5)]);
    k.addFrame(2, []);
    expect(k.pendingCount).toBe(3);
    k.addFrame(3, []); // frame 0 is now 3 frames old
    expect(k.pendingCount).toBe(1);
    k.claim(4, [0, 1, 2]); // 0 and 1 are gone; 2 is claimed
    expect([...k.take(4).keys()]).toEqual([2]);
    for (let f = 4; f < 100; f++) k.addFrame(f, [entry(100 + f, f, 0.1)]);
    expect(k.pendingCount).toBe(3);
  });

  it('bounds each track to perTrack crops however long it is', () => {
    const k = new CropKeeper<string>(3, 2);
    for (let f = 0; f < 500; f++) {
      k.addFrame(f, [entry(f, f, (f * 7919) % 101 / 100)]);
      k.claim(1, [f]);
      expect(k.keptCount).toBeLessThanOrEqual(3);
    }
    const all = Array.from({ length: 500 }, (_, f) => ((f * 7919) % 101) / 100).sort((a, b) => b - a);
    const q = [...k.take(1).values()].map((e) => e.quality).sort((a, b) => b - a);
    expect(q).toEqual(all.slice(0, 3));
  });

  it('wouldKeep says whether a later detection would enter a track\'s K best (ties go to the earlier one)', () => {
    const k = new CropKeeper<string>(2, 4);
    expect(k.wouldKeep(1, 0)).toBe(true); // unknown track: room
    k.addFrame(0, [entry(0, 0, 0.5)]);
    k.claim(1, [0]);
    expect(k.wouldKeep(1, 0.1)).toBe(true); // room left
    k.addFrame(1, [entry(1, 1, 0.7)]);
    k.claim(1, [1]);
    expect(k.wouldKeep(1, 0.5)).toBe(false); // ties the worst kept, which is earlier
    expect(k.wouldKeep(1, 0.51)).toBe(true);
  });

  it('rejects bad arguments with clear messages', () => {
    expect(() => new CropKeeper(0, 2)).toThrow('CropKeeper: perTrack must be an integer >= 1, received 0');
    expect(() => new CropKeeper(2, 1.5)).toThrow('CropKeeper: pendingFrames must be an integer >= 1, received 1.5');
    const k = new CropKeeper<string>(2, 2);
    k.addFrame(3, []);
    expect(() => k.addFrame(3, [])).toThrow('CropKeeper.addFrame: frameIndex must be an integer above 3, received 3');
    expect(() => k.addFrame(4, [entry(1, 5, 0.1)])).toThrow('CropKeeper.addFrame: entry 1 has frameIndex 5, expected 4');
    expect(() => k.addFrame(6, [entry(1, 6, 0.1), entry(1, 6, 0.2)])).toThrow('CropKeeper.addFrame: duplicate detection key 1');
  });
});
