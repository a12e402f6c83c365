/**
 * @module Following one container to its end: its output line by line (`logs --follow
 * --timestamps`), its exit (`wait`, then `inspect` for an OOM kill), then the container removed.
 * `stop` asks the engine to stop it: SIGTERM, SIGKILL after the grace period.
 */
import type { LogStream } from '@tminus/sdk/protocol';

import type { ContainerEngine } from '../container-engine/index.js';
import type { ProgramEvents, ProgramExit, RunningProgram } from '../runner.js';
import type { LogMark } from './log-mark.js';
import { splitStamp } from './log-mark.js';
import { LOCAL_CONTAINER } from './spec.js';
import { exitOf } from './status.js';

export async function followContainer(
  engine: ContainerEngine,
  id: string,
  mark: LogMark,
  events: ProgramEvents,
  log: (line: string) => void,
): Promise<RunningProgram> {
  const onLine = (stream: LogStream, line: string) => {
    const { time, text } = splitStamp(line, engine.kind === 'podman');
    if (!mark.isNew(time)) return;
    mark.saw(time);
    events.onLine(stream, text);
  };
  const logs = await engine.logs(id, onLine, {
    follow: true,
    timestamps: true,
    ...(mark.since === undefined ? {} : { since: mark.since }),
  });
  const exited = (async (): Promise<ProgramExit> => {
    const code = await engine.wait(id).catch(() => undefined);
    await logs.exited;
    await mark.flush();
    const state = await engine.inspect(id).catch(() => undefined);
    await engine
      .remove(id, { force: true })
      .catch((error: unknown) => log(`container ${id}: could not remove it (${String(error)})`));
    return exitOf(code ?? state?.exitCode ?? 137, state);
  })();
  return {
    ref: { resource: LOCAL_CONTAINER, id },
    running: Promise.resolve(),
    exited,
    async stop(graceMs) {
      await engine
        .stop(id, Math.ceil(graceMs / 1000))
        .catch((error: unknown) => log(`container ${id}: stop failed (${String(error)})`));
      return exited;
    },
  };
}
