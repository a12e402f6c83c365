/**
 * scripts/container-stack.sh as tests and CI use it: the same environment however often and however
 * many at once, and one line saying what is missing and why when it cannot install it.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { containerStack, parseEnvLines } from '../helpers/containers.js';
import { tempDir } from '../helpers/temp.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/container-stack.sh', import.meta.url));
const { stack, skipReason } = await containerStack();

function run(env: NodeJS.ProcessEnv = process.env) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('bash', [SCRIPT], { env }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe.skipIf(skipReason !== undefined)(
  `container-stack.sh when the stack is up${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`,
  () => {
    it('prints the same environment every time, also from several processes at once', async () => {
      const runs = await Promise.all([run(), run(), run()]);
      for (const r of runs) {
        expect(r.code).toBe(0);
        expect(r.stdout).toBe(runs[0].stdout);
      }
      const env = parseEnvLines(runs[0].stdout);
      expect(env).toMatchObject({
        DOCKER_HOST: stack!.env.DOCKER_HOST,
        TMINUS_TEST_REGISTRY: stack!.registry,
        TMINUS_TEST_BUSYBOX_IMAGE: 'tminus-test/busybox:1',
      });
      expect(env.TMINUS_TEST_REGISTRY).toMatch(/^127\.0\.0\.1:\d+$/);
    });
  },
);

describe('container-stack.sh when it cannot install what is missing', () => {
  const tmp = tempDir('stack-offline');
  afterAll(() => tmp.remove());

  it('exits 1 with one line naming the packages and apt’s reason', async () => {
    // A PATH with every command of this machine but dockerd and docker-registry, and an apt-get
    // that cannot reach its mirror.
    const bin = join(tmp.path, 'bin');
    mkdirSync(bin);
    for (const dir of [
      '/usr/local/sbin',
      '/usr/local/bin',
      '/usr/sbin',
      '/usr/bin',
      '/sbin',
      '/bin',
    ]) {
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of names) {
        if (['dockerd', 'docker-registry', 'apt-get'].includes(name)) continue;
        try {
          symlinkSync(join(dir, name), join(bin, name));
        } catch {
          // The first directory on PATH wins, as for the shell.
        }
      }
    }
    writeFileSync(
      join(bin, 'apt-get'),
      '#!/bin/sh\necho "E: Failed to fetch http://deb.debian.org/debian/pool/main/d/docker.io.deb  Temporary failure resolving \'deb.debian.org\'" >&2\nexit 100\n',
      { mode: 0o755 },
    );
    const r = await run({
      PATH: bin,
      TMINUS_CONTAINER_STATE: join(tmp.path, 'state'),
      TMINUS_CONTAINER_CACHE: join(tmp.path, 'cache'),
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const last = r.stderr.trim().split('\n').pop();
    expect(last).toMatch(
      /^container stack unavailable: (cannot install docker\.io docker-registry with apt-get \(is the Debian mirror reachable\?\): E: Failed to fetch .*Temporary failure resolving 'deb\.debian\.org'|missing docker\.io docker-registry; run scripts\/container-stack\.sh once as root to install them)$/,
    );
  });
});
