import type { Store } from '../store';
import type { Actions } from './actions';
import { createServeApp, type ServeApp } from './create-serve-app';
import type { ServeConfig } from './serve-config';

/** A listening review server. */
export interface RunningServer extends ServeApp {
  /** Base URL, e.g. 'http://127.0.0.1:8470'. */
  readonly url: string;
  readonly port: number;
  /** Stops listening (open connections closed), after the running task finishes. Does not close the store. */
  close(): Promise<void>;
}

/**
 * Creates the server ({@link createServeApp}) and listens on `config.host:config.port`.
 * @throws ConfigError as createServeApp; the listen error (e.g. EADDRINUSE) as is.
 */
export async function startServer(store: Store, config: Readonly<ServeConfig>, actions: Actions): Promise<RunningServer> {
  const served = createServeApp(store, config, actions);
  await served.app.listen({ host: config.host, port: config.port });
  const address = served.app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const hostInUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    ...served,
    url: `http://${hostInUrl}:${port}`,
    port,
    close: async () => {
      await served.app.close();
      await served.tasks.idle();
    },
  };
}
