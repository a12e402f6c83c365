import type { Store } from '../../store/store.js';
import type { BlobStore } from '../../store/blob-store.js';
import type { LogLimit } from '../../store/log-budget.js';
import type { MetricLimit } from '../../store/metric-budget.js';
import type { Notifier } from '../notifier.js';

/** What every service gets: the ports, the notifier, a clock and the server's settings. */
export interface ServiceContext {
  readonly store: Store;
  readonly blobs: BlobStore;
  readonly notifier: Notifier;
  readonly now: () => number;
  readonly leaseMs: number;
  /** How much output each run keeps. */
  readonly logLimit: LogLimit;
  /** How many metric values each run keeps, and summary keys. */
  readonly metricLimit: MetricLimit;
  readonly log: (line: string) => void;
}
