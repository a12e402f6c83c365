/**
 * @module The Node entry of `@tminus/sdk`: everything in the isomorphic entry, plus reading the CLI
 * config file for default credentials.
 */
import { readCliConfig } from './cli-config.js';
import { setCredentialsFileLoader } from './credentials.js';

setCredentialsFileLoader(() => readCliConfig());

export * from './index.js';
export { CliConfig, cliConfigPath, readCliConfig } from './cli-config.js';
