/**
 * @module The SQLite migrations, in order: one file each under `migrations/`, numbered by its place
 * here (the file name repeats the number). Append only: never edit a migration that has shipped
 * (installed databases have it recorded in `schema_migrations` and will not run it again).
 */
import { numbered } from '../migration-plan.js';
import * as m0001 from './migrations/0001-init.js';
import * as m0002 from './migrations/0002-runs-starting-index.js';
import * as m0003 from './migrations/0003-tenancy.js';
import * as m0004 from './migrations/0004-run-log-bytes.js';
import * as m0005 from './migrations/0005-run-metrics.js';
import * as m0006 from './migrations/0006-run-log-lines-received.js';
import * as m0007 from './migrations/0007-run-dir.js';
import * as m0008 from './migrations/0008-run-waiting.js';
import * as m0009 from './migrations/0009-run-transitions.js';

export const SQLITE_MIGRATIONS = numbered([
  m0001,
  m0002,
  m0003,
  m0004,
  m0005,
  m0006,
  m0007,
  m0008,
  m0009,
]);
