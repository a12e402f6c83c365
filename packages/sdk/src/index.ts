/**
 * @module `@tminus/sdk`: W&B Launch's API for a self-hosted tminus server.
 */
export { Api, type ApiOptions, type RequestOptions } from './client.js';
export { DEFAULT_BASE_URL, resolveCredentials } from './credentials.js';
export { ExecutionError, isLaunchError, LaunchError, type LaunchErrorOptions } from './errors.js';
export { launch, type LaunchOptions } from './launch.js';
export {
  launchAdd,
  launchAddBatch,
  type LaunchAddBatchItem,
  type LaunchAddBatchOptions,
  type LaunchAddOptions,
} from './launch-add.js';
export { buildLaunchSpec, type SpecOptions } from './launch-spec-builder.js';
export type { LocalExecution, LocalExecutor } from './local-executor.js';
export { readMetrics, type RunMetrics, scanMetrics, type ScanMetricsOptions } from './metrics.js';
export { QueuedRun, waitForRunEnd } from './queued-run.js';
export { SubmittedRun } from './submitted-run.js';
export type { WaitOptions } from './wait.js';
export type {
  JobVersion,
  LaunchSpec,
  MetricPoint,
  MetricsPage,
  PendingExplanation,
  QueueItem,
  QueueItemState,
  Run,
  RunState,
} from './protocol/index.js';
