/**
 * @module The pure part of the local-process runner: a plan's command line and environment — the
 * agent's own environment without its credentials, then the run's variables (program-env.ts).
 */
import { programEnv } from '../program-env.js';
import type { LaunchPlan } from '../runner.js';
import type { UnixUser } from './unix-user.js';

export interface ProcessSpec {
  readonly argv: readonly [string, ...string[]];
  readonly env: NodeJS.ProcessEnv;
  /** Run the program as this user (uid, gid and supplementary groups). */
  readonly user?: UnixUser;
}

/** Undefined when the plan has no program to run (an image's own entry point needs a container). */
export function processSpec(plan: LaunchPlan): ProcessSpec | undefined {
  const [program, ...args] = plan.argv;
  if (program === undefined) return undefined;
  const env = programEnv(plan);
  return { argv: [program, ...args], env, ...(plan.user === undefined ? {} : { user: plan.user }) };
}

/**
 * The command actually spawned. As another user it goes through util-linux's `setpriv`, which sets
 * the supplementary groups too (Node's own uid/gid spawn options drop them all) and then execs, so
 * the process keeps its pid and process group. setpriv keeps root's capabilities until that exec,
 * so it execs `/usr/bin/env`, which looks the program up on PATH as the user (root could reach a
 * `python3` in /root/.pyenv/shims that the user then cannot run); the inheritable (and with them
 * the ambient) capabilities are cleared, so none survive into the program.
 */
export function commandLine(spec: ProcessSpec): readonly [string, ...string[]] {
  const { user } = spec;
  if (user === undefined) return spec.argv;
  const groups = user.groups.length > 0 ? ['--groups', user.groups.join(',')] : ['--clear-groups'];
  return [
    'setpriv',
    `--reuid=${user.uid}`,
    `--regid=${user.gid}`,
    ...groups,
    '--inh-caps=-all',
    '--',
    '/usr/bin/env',
    ...spec.argv,
  ];
}
