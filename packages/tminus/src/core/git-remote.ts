/**
 * @module Which git remotes tminus fetches from (pure), one rule for both sides: the server refuses
 * a job whose remote breaks it (job create, a `uri` launch), and the agent checks again before it
 * runs git on the user's behalf (the job may be older than a rule, or come from another server):
 * - W&B's forms: `https://`, `ssh://`, `user@host:path`; plus local paths and `file://`, which a
 *   self-hosted agent needs for repositories on its own disks.
 * - Not `http://` or `git://`: unauthenticated transports let anyone on the path swap the code that
 *   the agent then executes.
 * - No `<helper>::` (e.g. `ext::sh -c …` runs a command), no leading `-` (read as an option), no
 *   host or user starting with `-` (`ssh://-oProxyCommand=…` runs a command), no control characters.
 */

export type GitRemoteKind = 'https' | 'ssh' | 'scp' | 'file' | 'local';

export type GitRemoteCheck =
  | { readonly ok: true; readonly kind: GitRemoteKind }
  | { readonly ok: false; readonly problem: string };

const FORMS = 'https://host/path, ssh://[user@]host/path, user@host:path or a local path';

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
/** scp-like `user@host:path` (git's rule: a colon before any slash). */
const SCP = /^([^@/:\s]+)@([^/:\s]+):(.*)$/;

function refuse(remote: string, why: string): GitRemoteCheck {
  return { ok: false, problem: `git remote "${remote}" ${why}` };
}

/** `[user@]host[:port]` of a URL must not start with `-` (ssh would read it as an option). */
function authorityProblem(remote: string, afterScheme: string): GitRemoteCheck | undefined {
  const authority = afterScheme.split('/', 1)[0] ?? '';
  const at = authority.lastIndexOf('@');
  const user = at === -1 ? '' : authority.slice(0, at);
  const host = authority.slice(at + 1);
  if (host === '') return refuse(remote, 'has no host');
  if (host.startsWith('-') || user.startsWith('-'))
    return refuse(
      remote,
      'has a host or user starting with "-", which ssh would read as an option',
    );
  return undefined;
}

export function checkGitRemote(remote: string): GitRemoteCheck {
  if (remote.trim() === '') return { ok: false, problem: 'The job has an empty git remote' };
  if (CONTROL.test(remote))
    return refuse(JSON.stringify(remote).slice(1, -1), 'contains control characters');
  if (remote.startsWith('-')) return refuse(remote, 'must not start with "-"');
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(remote))
    return refuse(
      remote,
      'uses a git transport helper ("::"), which can run commands; use ' + FORMS,
    );
  const scheme = SCHEME.exec(remote)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    const rest = remote.slice(scheme.length + 3);
    if (scheme === 'https' || scheme === 'ssh')
      return authorityProblem(remote, rest) ?? { ok: true, kind: scheme };
    if (scheme === 'file') return { ok: true, kind: 'file' };
    if (scheme === 'http' || scheme === 'git') {
      return refuse(
        remote,
        `uses ${scheme}://, which is unauthenticated (anyone on the network path could change the code this agent runs); use https:// or ssh://`,
      );
    }
    return refuse(remote, `uses the unsupported protocol ${scheme}://; use ${FORMS}`);
  }
  const scp = SCP.exec(remote);
  if (scp !== null) {
    const [, user = '', host = ''] = scp;
    if (host.startsWith('-') || user.startsWith('-'))
      return refuse(
        remote,
        'has a host or user starting with "-", which ssh would read as an option',
      );
    return { ok: true, kind: 'scp' };
  }
  if (
    remote.startsWith('/') ||
    remote.startsWith('./') ||
    remote.startsWith('../') ||
    remote.startsWith('~/')
  )
    return { ok: true, kind: 'local' };
  return refuse(
    remote,
    `is not a remote this agent can fetch; use ${FORMS} (local paths start with /, ./, ../ or ~/)`,
  );
}
