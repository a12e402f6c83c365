/**
 * @module Turning a `uri` (git URL or local repository path) into a job definition, as the seeds
 * document `launch_add(uri=…)`: the entry point defaults to `main.py`.
 */
import type { GitSource } from '@tminus/sdk/protocol';

const SHA = /^[0-9a-f]{40}$/;

/** `job-<repository base name>`, made artifact-safe as W&B does. */
export function jobNameForUri(uri: string): string {
  const base =
    uri
      .replace(/[/\\]+$/, '')
      .split(/[/\\:]/)
      .pop()
      ?.replace(/\.git$/, '') || 'repo';
  return `job-${base.replace(/[^A-Za-z0-9_.-]/g, '_')}`.slice(0, 64);
}

/** A 40-hex version pins a commit; anything else is a branch or tag resolved when the run starts. */
export function gitSourceForUri(
  uri: string,
  version: string | undefined,
  entrypoint: readonly string[] | undefined,
): GitSource {
  const source: GitSource = {
    type: 'git',
    remote: uri,
    entrypoint: entrypoint?.length ? [...entrypoint] : ['main.py'],
  };
  if (version !== undefined && SHA.test(version)) source.commit = version;
  else if (version !== undefined) source.ref = version;
  return source;
}
