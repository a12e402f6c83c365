/**
 * @module What the signed-in user may do, to show only the buttons that would work. The server
 * decides (access/policies.ts): this mirrors its rule for runs — their launcher (a member) or an
 * admin of the run's entity manages them — and a refusal from the server is still shown if the two
 * ever disagree.
 */
import type { Role } from '@tminus/sdk/protocol';

import type { Session } from './session.js';

export function roleIn(session: Session, entity: string): Role | undefined {
  if (session.who.admin) return 'admin';
  return session.who.memberships.find((m) => m.entity === entity)?.role;
}

export function mayManage(session: Session, entity: string, createdBy: string | null): boolean {
  const role = roleIn(session, entity);
  return (
    role === 'admin' || (role === 'member' && createdBy !== null && createdBy === session.who.user)
  );
}

export function mayLaunch(session: Session, entity: string): boolean {
  const role = roleIn(session, entity);
  return role === 'admin' || role === 'member';
}
