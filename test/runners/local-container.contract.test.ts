/**
 * The runner contract on the local-container runner: every program runs in the busybox test image on
 * a real engine (docker, then podman), with the run's source mounted as its working directory.
 * Skipped, saying why, when the container stack cannot be had.
 */
import { afterAll, expect, it } from 'vitest';

import {
  type ContainerEngine,
  detectEngine,
  type EngineKind,
} from '../../packages/tminus/src/runners/container-engine/index.js';
import { localContainerRunner } from '../../packages/tminus/src/runners/local-container/runner.js';
import { containerStack, leftovers, ownerLabel, removeLabelled } from '../helpers/containers.js';
import { describeRunnerContract } from '../helpers/runner-contract.js';

const { stack, skipReason } = await containerStack();
const OWNER = ownerLabel(import.meta.url);

const engines: { kind: EngineKind; skip: string | undefined }[] = [
  { kind: 'docker', skip: skipReason },
  { kind: 'podman', skip: skipReason ?? stack?.podmanSkipReason },
];

for (const { kind, skip } of engines) {
  if (skip !== undefined || stack === undefined) {
    it.skip(`runner contract: local-container (${kind}) — ${skip}`, () => undefined);
    continue;
  }
  const engine: Promise<ContainerEngine> = detectEngine({ engine: kind, env: stack.env });
  afterAll(async () => {
    const e = await engine;
    await removeLabelled(e, OWNER);
    // Nothing left behind: every container is removed once its run has ended.
    expect(await leftovers(e, OWNER)).toEqual({ containers: [], images: [] });
  });
  describeRunnerContract(`local-container-${kind}`, () => ({
    runner: () => localContainerRunner({ engine: () => engine, labels: OWNER }),
    planExtras: { image: stack.busyboxImage },
    async isRunning(ref) {
      return (await (await engine).inspect(ref.id))?.status === 'running';
    },
  }));
}
