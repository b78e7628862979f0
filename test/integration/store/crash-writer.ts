/**
 * Child process for crash-safety.test.ts: rewrites one source's results forever, generation after
 * generation, and prints "committed <gen>" after each commit. The test kills it with SIGKILL.
 * Usage: node -r ts-node/register/transpile-only crash-writer.ts <db file> <source id> <first gen>
 */
import { openStore, type TrackResultInput } from '../../../src/store';
import { makeDetection, makeRgb, makeVector } from './store-fixtures';

export const TRACKS_PER_GEN = 40;
export const DETECTIONS_PER_TRACK = 25;

/** Generation `gen`'s tracks: trackKey = gen * 1000 + k, so every row tells which generation wrote it. */
export function generation(gen: number): TrackResultInput[] {
  return Array.from({ length: TRACKS_PER_GEN }, (_, k) => ({
    trackKey: gen * 1000 + k,
    lr0Index: 0,
    detections: Array.from({ length: DETECTIONS_PER_TRACK }, (_, i) => ({
      detection: makeDetection(i, { sharpness: gen }),
      crops: [{ kind: 'aligned128', format: 'rgb8' as const, widthPx: 32, heightPx: 32, image: makeRgb(32, 32, gen + i) }],
      embeddings: [{ modelId: 'emb-a', vector: makeVector(512, gen * 100_000 + k * 100 + i), cropKind: 'aligned128' }],
    })),
    fused: [{ featureVector: makeVector(512, gen), embedderId: 'emb-a', method: 'mean', memberIndices: [0, 1, 2], rejectedIndices: [3] }],
  }));
}

if (require.main === module) {
  const [file, sourceIdText, firstGenText] = process.argv.slice(2);
  const store = openStore(file as string);
  const sourceId = Number(sourceIdText);
  for (let gen = Number(firstGenText); ; gen++) {
    store.replaceSourceResults(sourceId, { tracks: generation(gen) });
    process.stdout.write(`committed ${gen}\n`);
  }
}
