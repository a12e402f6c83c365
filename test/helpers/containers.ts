/**
 * @module The container stack for tests: runs scripts/container-stack.sh once per test file and
 * returns its environment, or the reason it is unavailable (the tests then skip, saying so). Each
 * test file labels what it makes with its own owner label and removes it all afterwards.
 */
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

import { runStackScript } from './stack-script.js';
import type { ContainerEngine } from '../../packages/tminus/src/runners/container-engine/index.js';

/** The first run on a new machine installs packages and bootstraps a Debian rootfs. */
const SETUP_TIMEOUT_MS = 15 * 60_000;

export interface ContainerStack {
  /** process.env plus DOCKER_HOST, CONTAINERS_CONF, CONTAINERS_REGISTRIES_CONF. */
  readonly env: NodeJS.ProcessEnv;
  /** `127.0.0.1:PORT`, plain HTTP. */
  readonly registry: string;
  readonly busyboxImage: string;
  /** Debian bookworm with python3 and venv; undefined when it could not be made (see the reason). */
  readonly pythonImage: string | undefined;
  readonly pythonSkipReason: string | undefined;
  /** Undefined when podman works with the stack's configuration. */
  readonly podmanSkipReason: string | undefined;
}

export { parseEnvLines } from './stack-script.js';

export type StackResult =
  | { readonly stack: ContainerStack; readonly skipReason?: undefined }
  | { readonly stack?: undefined; readonly skipReason: string };

async function runScript(): Promise<StackResult> {
  const ran = await runStackScript('container-stack.sh', SETUP_TIMEOUT_MS);
  if (ran.skipReason !== undefined) return { skipReason: ran.skipReason };
  const { vars, stdout } = ran;
  const { DOCKER_HOST, TMINUS_TEST_REGISTRY, TMINUS_TEST_BUSYBOX_IMAGE } = vars;
  if (!DOCKER_HOST || !TMINUS_TEST_REGISTRY || !TMINUS_TEST_BUSYBOX_IMAGE)
    return { skipReason: `scripts/container-stack.sh printed no environment: ${stdout}` };
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST };
  for (const key of ['CONTAINERS_CONF', 'CONTAINERS_REGISTRIES_CONF'] as const)
    if (vars[key]) env[key] = vars[key];
  return {
    stack: {
      env,
      registry: TMINUS_TEST_REGISTRY,
      busyboxImage: TMINUS_TEST_BUSYBOX_IMAGE,
      pythonImage: vars.TMINUS_TEST_PYTHON_IMAGE,
      pythonSkipReason: vars.TMINUS_TEST_PYTHON_SKIP,
      podmanSkipReason:
        vars.TMINUS_TEST_PODMAN === 'available'
          ? undefined
          : (vars.TMINUS_TEST_PODMAN_SKIP ?? 'the container stack says nothing about podman'),
    },
  };
}

let once: Promise<StackResult> | undefined;

/** The stack, set up at most once per test file (the script itself is fast when all is up). */
export function containerStack(): Promise<StackResult> {
  once ??= runScript().then((result) => {
    if (result.skipReason !== undefined)
      console.warn(`container tests skipped: ${result.skipReason}`);
    return result;
  });
  return once;
}

/** A label unique to one test file's run: everything it makes carries it, and is removed by it. */
export function ownerLabel(testFile: string): Record<string, string> {
  const name = basename(fileURLToPath(testFile)).replace(/[^A-Za-z0-9.-]/g, '-');
  return { 'tminus-test.owner': `${name}-${process.pid}-${randomBytes(3).toString('hex')}` };
}

/** Removes the containers (running or not) and the images that carry `labels`. */
export async function removeLabelled(
  engine: ContainerEngine,
  labels: Record<string, string>,
): Promise<void> {
  for (const container of await engine.list(labels))
    await engine.remove(container.id, { force: true });
  for (const image of await engine.listImages(labels))
    await engine.removeImage(image, { force: true });
}

/** What is left carrying `labels` (should be nothing after removeLabelled). */
export async function leftovers(
  engine: ContainerEngine,
  labels: Record<string, string>,
): Promise<{ containers: string[]; images: string[] }> {
  return {
    containers: (await engine.list(labels)).map((c) => c.name),
    images: await engine.listImages(labels),
  };
}
