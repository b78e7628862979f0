import * as fs from 'node:fs';
import * as path from 'node:path';
import { QueueClient, parseQueueSettings, queueTrackEnhancer, redactRedisUrl } from '../../pipelines/queue';
import { loadSrModel, type SrEngineName } from '../sr';
import type { Actions } from '../serve';

/** The actions offered, and what to release when the server stops. */
export interface BuiltActions {
  readonly actions: Actions;
  readonly dispose: () => Promise<void>;
  /** One line per action for the start-up message. */
  readonly notes: readonly string[];
}

/** The `fasr serve` options `--queue` reads. */
export interface ServeQueueOptions {
  readonly queue: string;
  readonly queuePrefix: string;
  readonly model?: string;
  readonly modelConfig?: string;
  readonly engine: SrEngineName;
}

/**
 * `fasr serve --queue`: the review UI's enhance action sends SR jobs to `fasr worker`s instead
 * of computing in the server process; export and everything else stay as they are. The model is
 * loaded once here for its sha256 (workers must hold the same file) and the facts its requests are
 * built with, and released.
 * @param local the in-process actions (buildActions); returned unchanged when enhance is unavailable.
 * @throws FasrError E_QUEUE_CONNECT when Redis cannot be reached; ConfigError for bad queue settings.
 */
export async function withQueueEnhance(local: BuiltActions, opts: ServeQueueOptions): Promise<BuiltActions> {
  const settings = parseQueueSettings({ redisUrl: opts.queue, prefix: opts.queuePrefix });
  if (local.actions.enhanceTrack === null) return local;
  const modelPath = opts.model === undefined ? null : path.resolve(opts.model);
  // A config given as a file travels as an absolute path; a preset name as is.
  const config = opts.modelConfig === undefined ? null : fs.existsSync(opts.modelConfig) ? path.resolve(opts.modelConfig) : opts.modelConfig;
  const model = await loadSrModel({ ...(modelPath === null ? {} : { model: modelPath }), ...(config === null ? {} : { config }), engine: opts.engine });
  // what the coordinator keeps of the model: its sha256 and what building requests needs (the network is released)
  const { sha256, id, formulation } = model;
  const loaded = { sha256, id, formulation, config: { imageSize: model.config.imageSize, featDim: model.config.featDim } };
  await model.dispose();
  const client = await QueueClient.open(settings);
  return {
    actions: Object.freeze({ ...local.actions, enhanceTrack: queueTrackEnhancer(client, { model: modelPath, config, engine: opts.engine }, loaded) }),
    dispose: async () => {
      await client.close();
      await local.dispose();
    },
    notes: [...local.notes, `enhance: SR jobs go to the workers on ${redactRedisUrl(settings.redisUrl)} (prefix ${settings.prefix}), model sha256 ${sha256.slice(0, 12)}`],
  };
}
