/**
 * The review UI (`fasr serve`): a local fastify server over the store with server-rendered pages,
 * a JSON API, the store's images and injected actions (enhance, export). Detail: docs/review-ui.md.
 */
export { createServeApp, type ServeApp } from './create-serve-app';
export { startServer, type RunningServer } from './start-server';
export { parseServeConfig, isLoopbackHost, DEFAULT_SERVE_CONFIG, type ServeConfig } from './serve-config';
export { noActions, type ActionName, type Actions, type EnhanceTrackOptions, type EnhanceTrackResult, type ExportTracksOptions, type ExportTracksResult } from './actions';
export { HttpError } from './http-error';
export { CONTENT_SECURITY_POLICY, TOKEN_COOKIE, pathTrickReason, tokensEqual } from './security';
export { escapeHtml, html, SafeHtml } from './html';
export { TaskRunner, INTERRUPTED_REASON, TASK_KINDS, type TaskView, type TaskKind, type TaskStatus } from './task-runner';
