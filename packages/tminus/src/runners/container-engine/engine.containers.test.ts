/**
 * The engine wrapper against real engines: docker (own dockerd) and podman, a real registry on
 * 127.0.0.1, the busybox test image. Skipped, saying why, when the stack cannot be had.
 */
import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  containerStack,
  leftovers,
  ownerLabel,
  removeLabelled,
} from '../../../../../test/helpers/containers.js';
import { tempDir } from '../../../../../test/helpers/temp.js';
import { type ContainerEngine, detectEngine, type EngineKind } from './index.js';

const { stack, skipReason } = await containerStack();
const OWNER = ownerLabel(import.meta.url);

const engines: { kind: EngineKind; skip: string | undefined }[] = [
  { kind: 'docker', skip: skipReason },
  { kind: 'podman', skip: skipReason ?? stack?.podmanSkipReason },
];

for (const { kind, skip } of engines) {
  describe.skipIf(skip !== undefined)(
    `container engine: ${kind}${skip === undefined ? '' : ` (skipped: ${skip})`}`,
    () => {
      let engine: ContainerEngine;
      const image = stack?.busyboxImage ?? '';

      beforeAll(async () => {
        engine = await detectEngine({ engine: kind, env: stack!.env });
      });
      afterAll(async () => {
        await removeLabelled(engine, OWNER);
        expect(await leftovers(engine, OWNER)).toEqual({ containers: [], images: [] });
      });

      it('is the engine asked for', () => {
        expect(engine.kind).toBe(kind);
      });

      it('runs a container detached: its output by stream, its exit code, its state and labels', async () => {
        const id = await engine.run({
          image,
          labels: { ...OWNER, 'tminus.run-id': 'run-1' },
          env: { GREETING: 'hello from $HOME; `id`', TOKEN: 'not-on-the-command-line' },
          network: 'none',
          command: ['sh', '-c', 'echo "$GREETING"; echo oops >&2; exit 3'],
        });
        expect(await engine.wait(id)).toBe(3);
        const lines: string[] = [];
        const logs = await engine.logs(id, (stream, line) => lines.push(`${stream}: ${line}`));
        expect(await logs.exited).toBe(0);
        // Each stream keeps its order; the CLI's two pipes do not keep the order between them.
        expect(lines.sort()).toEqual(['stderr: oops', 'stdout: hello from $HOME; `id`']);
        const state = await engine.inspect(id);
        expect(state).toMatchObject({
          status: 'exited',
          exitCode: 3,
          oomKilled: false,
          labels: { ...OWNER, 'tminus.run-id': 'run-1' },
        });
        expect(state?.startedAt).not.toBeNull();
        expect(
          (await engine.list({ 'tminus.run-id': 'run-1', ...OWNER })).map((c) => c.id),
        ).toEqual([id]);
        await engine.remove(id);
        expect(await engine.inspect(id)).toBeUndefined();
        expect(await engine.list({ 'tminus.run-id': 'run-1', ...OWNER })).toEqual([]);
      });

      it('follows the logs of a running container until it exits', async () => {
        const id = await engine.run({
          image,
          labels: OWNER,
          network: 'none',
          command: ['sh', '-c', 'for i in 1 2 3; do echo line $i; sleep 0.2; done'],
        });
        const lines: string[] = [];
        const logs = await engine.logs(id, (_s, line) => lines.push(line), { follow: true });
        expect(await logs.exited).toBe(0);
        expect(lines).toEqual(['line 1', 'line 2', 'line 3']);
        expect(await engine.wait(id)).toBe(0);
      });

      it('stops a container that ignores SIGTERM: killed after the timeout', async () => {
        const id = await engine.run({
          image,
          labels: OWNER,
          network: 'none',
          command: ['sh', '-c', "trap '' TERM; echo ready; while :; do sleep 0.1; done"],
        });
        expect((await engine.inspect(id))?.status).toBe('running');
        await engine.stop(id, 1);
        const state = await engine.inspect(id);
        expect(state).toMatchObject({ status: 'exited', exitCode: 137 });
      });

      it('stopping or removing a container that is gone is not an error', async () => {
        await expect(engine.stop('tminus-no-such-container', 1)).resolves.toBeUndefined();
        await expect(engine.remove('tminus-no-such-container')).resolves.toBeUndefined();
        expect(await engine.inspect('tminus-no-such-container')).toBeUndefined();
      });

      it('a container whose program does not exist fails to run, saying so', async () => {
        await expect(
          engine.run({ image, labels: OWNER, network: 'none', command: ['no-such-program'] }),
        ).rejects.toThrow(/no-such-program/);
      });

      it('images: tag, push to the registry, remove, pull back, inspect', async () => {
        const ref = `${stack!.registry}/tminus-test/${kind}-engine-${OWNER['tminus-test.owner']!.slice(-6)}:1`;
        expect(await engine.imageExists(ref)).toBe(false);
        await engine.tag(image, ref);
        const pushed: string[] = [];
        await engine.push(ref, (line) => pushed.push(line));
        expect(pushed.length).toBeGreaterThan(0);
        expect(await engine.removeImage(ref)).toBe(true);
        expect(await engine.imageExists(ref)).toBe(false);
        await engine.pull(ref);
        const info = await engine.inspectImage(ref);
        expect(info?.repoTags.some((t) => t.endsWith(ref))).toBe(true);
        expect(await engine.removeImage(ref)).toBe(true);
        expect(await engine.removeImage(ref)).toBe(false);
      });

      it('pulling what the registry does not have is NOT_FOUND, with the engine’s words', async () => {
        await expect(engine.pull(`${stack!.registry}/tminus-test/absent:1`)).rejects.toMatchObject({
          code: 'NOT_FOUND',
          message: expect.stringMatching(/manifest unknown/),
        });
      });
    },
  );
}

describe.skipIf(skipReason !== undefined)('engine detection', () => {
  const dead = 'unix:///tmp/tminus-no-such-docker.sock';

  it('picks docker when its daemon answers', async () => {
    expect((await detectEngine({ env: stack!.env })).kind).toBe('docker');
  });

  it('a configured docker that does not answer is an error naming DOCKER_HOST and the fix', async () => {
    await expect(
      detectEngine({ engine: 'docker', env: { ...stack!.env, DOCKER_HOST: dead } }),
    ).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringMatching(
        /^container engine docker unavailable \(docker does not answer at DOCKER_HOST=unix:\/\/\/tmp\/tminus-no-such-docker\.sock: .*\): install docker\.io and start dockerd, or install podman; set TMINUS_CONTAINER_ENGINE/,
      ),
    });
  });

  it('no engine at all: docker does not answer and podman is not on PATH', async () => {
    // A PATH with the docker CLI only.
    const bin = tempDir('engine-path');
    const docker = execFileSync('sh', ['-c', 'command -v docker'], { env: stack!.env });
    symlinkSync(docker.toString().trim(), join(bin.path, 'docker'));
    try {
      const error = await detectEngine({
        env: { ...stack!.env, DOCKER_HOST: dead, PATH: bin.path },
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'UNAVAILABLE' });
      expect((error as Error).message).toMatch(
        /^no container engine \(docker does not answer at DOCKER_HOST=.*; podman is not installed\): install docker\.io and start dockerd, or install podman; set TMINUS_CONTAINER_ENGINE/,
      );
    } finally {
      bin.remove();
    }
  });

  it('TMINUS_CONTAINER_ENGINE must name docker or podman', async () => {
    await expect(
      detectEngine({ env: { ...stack!.env, TMINUS_CONTAINER_ENGINE: 'rkt' } }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/"rkt" must be "docker" or "podman"/),
    });
  });
});
