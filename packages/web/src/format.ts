/** @module Small formatting helpers shared by the pages. Pure. */
import { LaunchError } from '@tminus/sdk';

/** "3 s", "5 min", "2 h", "4 d" since `iso`. */
export function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

export function time(iso: string | null): string {
  return iso === null ? '—' : new Date(iso).toLocaleString();
}

/** What went wrong, as the API said it: message, then the hint (how to fix it). */
export function describeError(error: unknown): { message: string; hint?: string; code?: string } {
  if (error instanceof LaunchError) {
    return {
      message: error.message,
      code: error.code,
      ...(error.hint ? { hint: error.hint } : {}),
    };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}

export const PRIORITIES = [
  { value: 0, label: 'critical' },
  { value: 1, label: 'high' },
  { value: 2, label: 'medium' },
  { value: 3, label: 'low' },
] as const;

export function priorityLabel(p: number): string {
  return PRIORITIES.find((x) => x.value === p)?.label ?? String(p);
}
