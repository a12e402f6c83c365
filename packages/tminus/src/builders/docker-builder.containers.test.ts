/**
 * The docker builder against real engines and a real registry on 127.0.0.1: a code job's image is
 * built from tminus-test/python:3 (nothing comes from the network), pushed, removed, pulled back and
 * run; a second build of the same source builds nothing; requirements are installed from a local
 * wheel; a broken Dockerfile fails at stage build with the end of its log. Docker, then podman.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  containerStack,
  leftovers,
  ownerLabel,
  removeLabelled,
} from '../../../../test/helpers/containers.js';
import { tempDir } from '../../../../test/helpers/temp.js';
import {
  type ContainerEngine,
  detectEngine,
  type EngineKind,
} from '../runners/container-engine/index.js';
import { PrepareError } from '../runners/prepare-error.js';
import { type BuildRequest, DockerBuilder } from './index.js';

const { stack, skipReason } = await containerStack();
const OWNER = ownerLabel(import.meta.url);
const unique = OWNER['tminus-test.owner']!.slice(-6);

const TRAIN_PY = `
import os, sys
print("hello from the image", *sys.argv[1:])
print("cwd=" + os.getcwd(), "uid=%d" % os.getuid(), "gid=%d" % os.getgid())
with open("written-by-the-job.txt", "w") as f:
    f.write("ok")
print("wrote in cwd")
`;

/** Writes a pure-Python wheel (a zip with dist-info) into a directory, inside the image. */
const MAKE_WHEEL_PY = `
import sys, zipfile
name, version = "tminus_hello", "1.0"
dist = f"{name}-{version}.dist-info"
files = {
    f"{name}/__init__.py": 'GREETING = "hello from a local wheel"\\n',
    f"{dist}/METADATA": f"Metadata-Version: 2.1\\nName: tminus-hello\\nVersion: {version}\\n",
    f"{dist}/WHEEL": "Wheel-Version: 1.0\\nGenerator: tminus-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
files[f"{dist}/RECORD"] = "".join(f"{p},,\\n" for p in files) + f"{dist}/RECORD,,\\n"
with zipfile.ZipFile(f"{sys.argv[1]}/{name}-{version}-py3-none-any.whl", "w") as z:
    for path, text in files.items():
        z.writestr(path, text)
`;
const WHEEL = '/wheels/tminus_hello-1.0-py3-none-any.whl';
const USES_WHEEL_PY = 'import tminus_hello\nprint(tminus_hello.GREETING)\n';

const skipAll = skipReason ?? stack?.pythonSkipReason;
const engines: { kind: EngineKind; skip: string | undefined }[] = [
  { kind: 'docker', skip: skipAll },
  { kind: 'podman', skip: skipAll ?? stack?.podmanSkipReason },
];

for (const { kind, skip } of engines) {
  describe.skipIf(skip !== undefined)(
    `docker builder on ${kind}${skip === undefined ? '' : ` (skipped: ${skip})`}`,
    () => {
      const tmp = tempDir(`builder-${kind}`);
      const repository = `${stack?.registry}/tminus-test/jobs-${kind}`;
      let engine: ContainerEngine;
      let builder: DockerBuilder;

      /** A source tree from `files`; its digest stands for a commit or snapshot digest. */
      function source(name: string, files: Record<string, string>): string {
        const dir = join(tmp.path, name);
        for (const [path, text] of Object.entries(files)) {
          mkdirSync(join(dir, path, '..'), { recursive: true });
          writeFileSync(join(dir, path), text);
        }
        return dir;
      }

      function request(
        dir: string,
        overrides: Partial<BuildRequest> = {},
      ): BuildRequest & { lines: string[] } {
        const lines: string[] = [];
        return {
          jobPath: `tminus-test/builder/${kind}-${unique}`,
          source: { dir, digest: `test-${dir}` },
          entrypoint: ['train.py'],
          baseImage: stack!.pythonImage!,
          labels: OWNER,
          network: 'none',
          onLine: (line) => lines.push(line),
          lines,
          ...overrides,
        };
      }

      /** Runs the image, returns its exit code and output lines. */
      async function runImage(image: string, command: string[] = []) {
        const id = await engine.run({ image, labels: OWNER, network: 'none', command });
        const code = await engine.wait(id);
        const lines: string[] = [];
        await (
          await engine.logs(id, (_s, line) => lines.push(line))
        ).exited;
        await engine.remove(id);
        return { code, lines };
      }

      beforeAll(async () => {
        engine = await detectEngine({ engine: kind, env: stack!.env });
        builder = new DockerBuilder(engine);
      });
      afterAll(async () => {
        tmp.remove();
        await removeLabelled(engine, OWNER);
        expect(await leftovers(engine, OWNER)).toEqual({ containers: [], images: [] });
      });

      it('builds a code job, pushes it, pulls it back after removal, and runs it as a non-root user in /app', async () => {
        const dir = source('code-job', {
          'train.py': TRAIN_PY,
          'requirements.txt': '# nothing to install: an empty list is fine\n\n',
        });
        const first = request(dir, { repository, push: true });
        const built = await builder.build(first);
        expect(built).toMatchObject({ built: true, pushed: true, foundIn: undefined });
        expect(built.image).toMatch(new RegExp(`^${repository}:[0-9a-f]{16}$`));
        expect(first.lines).toContain('tminus: requirements.txt lists no package');
        expect(first.lines.some((l) => l.startsWith(`tminus: building ${built.image}`))).toBe(true);

        expect(await engine.removeImage(built.image)).toBe(true);
        expect(await engine.imageExists(built.image)).toBe(false);

        const second = request(dir, { repository, push: true });
        expect(await builder.build(second)).toEqual({
          image: built.image,
          built: false,
          pushed: false,
          foundIn: 'registry',
        });
        expect(second.lines.some((l) => l.includes('building'))).toBe(false);

        const run = await runImage(built.image, ['--epochs', '3']);
        expect(run.code).toBe(0);
        expect(run.lines).toEqual([
          'hello from the image --epochs 3',
          'cwd=/app uid=1000 gid=0',
          'wrote in cwd',
        ]);
        const info = await engine.inspectImage(built.image);
        expect(info).toMatchObject({
          entrypoint: ['python3', 'train.py'],
          workingDir: '/app',
          labels: { 'tminus.job': `tminus-test/builder/${kind}-${unique}`, ...OWNER },
        });
      });

      it('a second build of the same source builds nothing; a changed source builds again', async () => {
        const dir = source('same-source', { 'train.py': TRAIN_PY });
        const first = await builder.build(request(dir));
        expect(first.built).toBe(true);
        expect(first.image).toMatch(new RegExp(`^tminus-test__builder__${kind}-${unique}:`));
        const again = request(dir);
        expect(await builder.build(again)).toEqual({
          image: first.image,
          built: false,
          pushed: false,
          foundIn: 'local',
        });
        expect(again.lines).toEqual([
          `tminus: image ${first.image} exists on this machine; nothing to build`,
        ]);
        const changed = await builder.build(
          request(dir, { source: { dir, digest: 'another-commit' } }),
        );
        expect(changed.built).toBe(true);
        expect(changed.image).not.toBe(first.image);
      });

      it('installs requirements (requirements.txt, pyproject.toml) from a local wheel', async () => {
        // A base image that carries a wheel: nothing is fetched from an index.
        const baseDir = source('wheel-base', {
          'make_wheel.py': MAKE_WHEEL_PY,
          Dockerfile: `FROM ${stack!.pythonImage}\nCOPY make_wheel.py /tmp/\nRUN mkdir /wheels && python3 /tmp/make_wheel.py /wheels\n`,
        });
        const base = `tminus-test/wheel-base-${kind}:${unique}`;
        await engine.build({
          context: baseDir,
          dockerfile: join(baseDir, 'Dockerfile'),
          tag: base,
          labels: OWNER,
          network: 'none',
        });
        const fromRequirements = source('wheel-requirements', {
          'main.py': USES_WHEEL_PY,
          'requirements.txt': `# a local wheel\n${WHEEL}\n`,
        });
        const fromPyproject = source('wheel-pyproject', {
          'main.py': USES_WHEEL_PY,
          'pyproject.toml': `[project]\nname = "uses-wheel"\nversion = "0"\ndependencies = ["tminus-hello @ file://${WHEEL}"]\n`,
        });
        for (const dir of [fromRequirements, fromPyproject]) {
          const req = request(dir, { entrypoint: ['main.py'], baseImage: base });
          const built = await builder.build(req);
          expect(req.lines.some((l) => /Successfully installed tminus-hello-1\.0/.test(l))).toBe(
            true,
          );
          expect(await runImage(built.image)).toEqual({
            code: 0,
            lines: ['hello from a local wheel'],
          });
        }
      });

      it('builds with the job’s own Dockerfile in a build context inside the source', async () => {
        const dir = source('own-dockerfile', {
          'README.md': 'the context is sub/',
          'sub/Dockerfile.custom': `FROM ${stack!.busyboxImage}\nCOPY hello.txt /hello.txt\nCMD ["cat", "/hello.txt"]\n`,
          'sub/hello.txt': 'from the job’s own Dockerfile\n',
        });
        const req = request(dir, {
          source: { dir, digest: 'c1', buildContext: 'sub', dockerfile: 'Dockerfile.custom' },
        });
        const built = await builder.build(req);
        expect(
          req.lines.some((l) => l.includes('Dockerfile: Dockerfile.custom; context: sub')),
        ).toBe(true);
        expect(await runImage(built.image)).toEqual({
          code: 0,
          lines: ['from the job’s own Dockerfile'],
        });
      });

      it('a broken Dockerfile fails at stage build with the end of the build log', async () => {
        const dir = source('broken', {
          // The LABEL reaches the failing step's container, so a leftover one would be found.
          'Dockerfile.tminus': `FROM ${stack!.busyboxImage}\nLABEL tminus-test.owner=${OWNER['tminus-test.owner']}\nRUN echo about to fail && exit 7\n`,
        });
        const req = request(dir);
        const error = await builder.build(req).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PrepareError);
        expect(error).toMatchObject({ stage: 'build', reason: 'build_failed' });
        const message = (error as Error).message;
        expect(message).toMatch(
          new RegExp(
            `^Building image \\S+ failed \\(${kind} build exited with \\d+\\)\\. Last lines of the build log:\\n`,
          ),
        );
        expect(message).toContain('about to fail');
        expect(req.lines).toContain('about to fail');
        expect((await leftovers(engine, OWNER)).containers).toEqual([]);
      });
    },
  );
}
