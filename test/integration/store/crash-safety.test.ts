import { spawn } from 'node:child_process';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../../src/store';
import { DETECTIONS_PER_TRACK, TRACKS_PER_GEN, generation } from './crash-writer';
import { makeTempDir } from './store-fixtures';

const REPO = path.resolve(__dirname, '../../..');
const WRITER = path.join(__dirname, 'crash-writer.ts');

/** Starts the writer, waits for `commits` commits, lets it run `extraMs` more, then SIGKILLs it. Returns the last generation it reported. */
function runAndKill(file: string, sourceId: number, firstGen: number, commits: number, extraMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', WRITER, file, String(sourceId), String(firstGen)], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let last = firstGen - 1;
    let seen = 0;
    let stderr = '';
    let killing = false;
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdout.on('data', (b: Buffer) => {
      for (const m of b.toString().matchAll(/committed (\d+)/g)) {
        last = Number(m[1]);
        seen++;
      }
      if (seen >= commits && !killing) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), extraMs);
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(last);
      else reject(new Error(`writer exited with ${code}: ${stderr}`));
    });
  });
}

describe('crash safety (kill -9 during replaceSourceResults)', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => tmp.cleanup());

  it('after each SIGKILL the source holds exactly one complete generation; a re-run completes cleanly', async () => {
    const file = path.join(tmp.dir, 'store.db');
    const store = openStore(file);
    const src = store.upsertSource({ path: '/a.mp4', sizeBytes: 1, mtimeMs: 1 });
    store.close();

    let nextGen = 1;
    // Different delays after the last reported commit land the kill at different points of a write.
    for (const extraMs of [0, 7, 23, 41]) {
      const reported = await runAndKill(file, src.id, nextGen, 2, extraMs);
      const s = openStore(file); // WAL recovery happens here
      const tracks = s.listTracks({ sourceId: src.id, limit: 1000 }).items;
      const gens = new Set(tracks.map((t) => Math.floor(t.trackKey / 1000)));
      // One generation only: the last reported one, or the next if it committed before it could print.
      expect(gens.size).toBe(1);
      const gen = [...gens][0] as number;
      expect([reported, reported + 1]).toContain(gen);
      expect(tracks).toHaveLength(TRACKS_PER_GEN);
      expect(tracks.every((t) => t.detectionCount === DETECTIONS_PER_TRACK && t.embeddingCount === DETECTIONS_PER_TRACK)).toBe(true);
      const detail = s.getTrack(tracks[0]?.id as number);
      expect(detail.detections.every((d) => d.sharpness === gen)).toBe(true);
      expect(detail.fused).toHaveLength(1);
      s.close();
      // No orphans and a sound file.
      const raw = new Database(file, { readonly: true });
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(raw.pragma('foreign_key_check')).toEqual([]);
      const count = (t: string): number => (raw.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
      expect([count('tracks'), count('detections'), count('crops'), count('embeddings'), count('fused_identities')]).toEqual([
        TRACKS_PER_GEN,
        TRACKS_PER_GEN * DETECTIONS_PER_TRACK,
        TRACKS_PER_GEN * DETECTIONS_PER_TRACK,
        TRACKS_PER_GEN * DETECTIONS_PER_TRACK,
        TRACKS_PER_GEN,
      ]);
      raw.close();
      nextGen = gen + 1;
    }

    // The re-run after the last crash: completes and marks done, no duplicates.
    const s = openStore(file);
    s.markSourceRunning(src.id);
    s.replaceSourceResults(src.id, { tracks: generation(nextGen) }, { markDone: true });
    expect(s.getSource(src.id).status).toBe('done');
    const tracks = s.listTracks({ sourceId: src.id, limit: 1000 }).items;
    expect(tracks.map((t) => t.trackKey)).toEqual(Array.from({ length: TRACKS_PER_GEN }, (_, k) => nextGen * 1000 + k));
    s.close();
  });
});
