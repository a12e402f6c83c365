/**
 * @module A Unix user as the system's user database knows it (`getent passwd`, `id -G`: local
 * files, LDAP, whatever NSS is configured with), so that a run can execute as that user with
 * exactly their uid, primary group and supplementary groups.
 */
import { execFileText } from '../../lib/exec-file.js';

export interface UnixUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups (e.g. `video`, `render` for GPUs), the primary one included. */
  readonly groups: readonly number[];
  readonly home: string;
}

/** Parses a `getent passwd` line: `name:x:uid:gid:gecos:home:shell`. */
export function parsePasswdLine(line: string): Omit<UnixUser, 'groups'> | undefined {
  const [name, , uid, gid, , home] = line.trim().split(':');
  if (
    name === undefined ||
    home === undefined ||
    !/^\d+$/.test(uid ?? '') ||
    !/^\d+$/.test(gid ?? '')
  )
    return undefined;
  return { name, uid: Number(uid), gid: Number(gid), home };
}

/** The user named `name` (or a numeric uid), or undefined when the user database has no such user. */
export async function lookUpUnixUser(name: string): Promise<UnixUser | undefined> {
  // A name starting with "-" would be read as an option by getent and id.
  if (name === '' || name.startsWith('-')) return undefined;
  const line = await execFileText('getent', ['passwd', name]).catch(() => '');
  const user = parsePasswdLine(line.split('\n')[0] ?? '');
  if (user === undefined) return undefined;
  const groups = (await execFileText('id', ['-G', user.name]))
    .trim()
    .split(/\s+/)
    .filter((g) => /^\d+$/.test(g))
    .map(Number);
  return { ...user, groups };
}
