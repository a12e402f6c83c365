/**
 * @module The Node entry of `@tminus/sdk`: everything in the isomorphic entry, plus reading the CLI
 * config file for default credentials, and HTTP on `node:http` (keep-alive) instead of `fetch`.
 */
import { readCliConfig } from './cli-config.js';
import { setCredentialsFileLoader } from './credentials.js';
import { nodeHttpTransport } from './node-transport.js';
import { setDefaultTransport } from './transport.js';

setCredentialsFileLoader(() => readCliConfig());
setDefaultTransport(nodeHttpTransport);

export * from './index.js';
export { CliConfig, cliConfigPath, readCliConfig } from './cli-config.js';
