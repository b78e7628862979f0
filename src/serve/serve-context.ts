import type { Store } from '../store';
import type { Actions } from './actions';
import type { PageContext } from './pages/page-context';
import type { ServeConfig } from './serve-config';
import type { TaskRunner } from './task-runner';

/** What every route of one server instance works with (no module-level state). */
export interface ServeContext {
  readonly store: Store;
  readonly config: Readonly<ServeConfig>;
  readonly actions: Actions;
  readonly tasks: TaskRunner;
  readonly page: PageContext;
}
