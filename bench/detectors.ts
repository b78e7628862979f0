/**
 * The process pipeline with each detector on the shared clips: detections, tracks and time per
 * analysed frame (decode + detect + align + embed + track + fuse + store), to choose a detector per
 * situation (docs/pipeline.md, "Detectors"):
 *   node -r ts-node/register/transpile-only bench/detectors.ts [--backend wasm] [--only <label>]
 * Options: --clips <name,...> (hamilton, openpose, portrait; default hamilton,openpose); --only
 * <label prefix,...> runs only the setups whose label starts with one of them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeProcessDeps, createProcessDeps, parseProcessConfig, processSource } from '../pipelines';
import { openStore } from '../src/store';

const VIDEOS = path.resolve(__dirname, '../../shared/data/videos');
const CLIPS: Readonly<Record<string, string>> = {
  hamilton: path.join(VIDEOS, 'face_recognition/short_hamilton_clip.mp4'),
  openpose: path.join(VIDEOS, 'openpose/video.avi'),
  portrait: path.join(VIDEOS, 'single-face-tracking-demo/my_video.mp4'),
};
/** `clips` limits a setup to some clips (the tiled one costs ~17 s per 720p frame on a loaded machine). */
const SETUPS: readonly { label: string; config: object; clips?: readonly string[] }[] = [
  { label: 'human (default)', config: {} },
  { label: 'human tiles 256/64', config: { detector: { tileSizePx: 256 } } },
  { label: 'face-api-ssd 0.3', config: { detector: { name: 'face-api-ssd' } } },
  { label: 'cctv preset (ssd 0.15)', config: { detectorPreset: 'cctv' } },
  { label: 'cctv, analysis 1280', config: { detectorPreset: 'cctv', decode: { analysisMaxWidth: 1280 } } },
  { label: 'cctv, tiles 640/96', config: { detectorPreset: 'cctv', decode: { analysisMaxWidth: 1280 }, detector: { tileSizePx: 640, tileOverlapPx: 96 } }, clips: ['openpose'] },
  { label: 'face-api-tiny 608 0.3', config: { detector: { name: 'face-api-tiny', tinyInputSizePx: 608 } } },
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (k: string): string | undefined => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
  const backend = opt('--backend') ?? 'wasm';
  const clips = (opt('--clips') ?? 'hamilton,openpose').split(',');
  const only = opt('--only')?.split(',');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-bench-detectors-'));
  console.log(`${os.cpus().length} CPU cores; load average ${os.loadavg()[0]?.toFixed(1)}; backend ${backend}`);
  console.log(['setup'.padEnd(26), 'clip'.padEnd(9), 'frames', 'faces', 'tracks', 'track sizes', 'ms/frame'].join('  '));
  try {
    for (const setup of SETUPS) {
      if (only !== undefined && !only.some((o) => setup.label.startsWith(o))) continue;
      const config = parseProcessConfig(setup.config);
      const deps = await createProcessDeps(config, backend);
      try {
        for (const clip of clips) {
          if (setup.clips !== undefined && !setup.clips.includes(clip)) continue;
          const file = CLIPS[clip];
          if (file === undefined) throw new Error(`unknown clip ${clip}; valid: ${Object.keys(CLIPS).join(', ')}`);
          const store = openStore(path.join(dir, `${setup.label.replace(/\W+/g, '_')}-${clip}.sqlite`));
          try {
            const o = await processSource(store, file, config, deps);
            const sizes = store.listTracks({ sourceId: o.sourceId!, limit: 1000 }).items.map((t) => store.getTrack(t.id).detections.length).sort((a, b) => b - a);
            console.log([setup.label.padEnd(26), clip.padEnd(9), String(o.frames).padStart(6), String(o.faces).padStart(5), String(o.tracks).padStart(6), sizes.join(',').padStart(11), (o.elapsedMs / o.frames).toFixed(0).padStart(8)].join('  '));
          } finally {
            store.close();
          }
        }
      } finally {
        await closeProcessDeps(deps);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
