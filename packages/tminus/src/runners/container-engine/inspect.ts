/**
 * @module Reading `container inspect` and `image inspect` output (pure), the same for docker and
 * podman: podman's statuses are mapped onto Docker's, its null label maps become empty, Docker's
 * "/name" loses its slash, and the zero time ("0001-01-01…", not started or not finished) is null.
 */
import { z } from 'zod';

/** Docker's container statuses; podman's are mapped onto these. */
export type ContainerStatus =
  'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerState {
  readonly id: string;
  readonly name: string;
  /** The image as the container was created from it (the reference given to `run`). */
  readonly image: string;
  readonly status: ContainerStatus;
  /** The engine's own word, e.g. podman's `stopped` or `configured`. */
  readonly rawStatus: string;
  /** Null until the container has exited. */
  readonly exitCode: number | null;
  /** The kernel's OOM killer ended the container (memory limit). */
  readonly oomKilled: boolean;
  /** The engine's error starting the container, if any (e.g. an executable not found). */
  readonly error: string | null;
  /** RFC 3339, or null when not started / not finished. */
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ImageInfo {
  readonly id: string;
  readonly repoTags: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly entrypoint: readonly string[] | null;
  readonly cmd: readonly string[] | null;
  readonly workingDir: string;
  readonly user: string;
}

const Labels = z
  .record(z.string(), z.string())
  .nullish()
  .transform((l) => l ?? {});

const ContainerInspect = z.looseObject({
  Id: z.string(),
  Name: z.string().default(''),
  State: z.looseObject({
    Status: z.string(),
    ExitCode: z.number().int().default(0),
    OOMKilled: z.boolean().default(false),
    Error: z.string().default(''),
    StartedAt: z.string().default(''),
    FinishedAt: z.string().default(''),
  }),
  Config: z
    .looseObject({ Image: z.string().default(''), Labels })
    .default({ Image: '', Labels: {} }),
});

const ImageInspect = z.looseObject({
  Id: z.string(),
  RepoTags: z
    .array(z.string())
    .nullish()
    .transform((t) => t ?? []),
  Config: z
    .looseObject({
      Labels,
      Entrypoint: z.array(z.string()).nullish(),
      Cmd: z.array(z.string()).nullish(),
      WorkingDir: z.string().default(''),
      User: z.string().default(''),
    })
    .nullish(),
});

const STATUS: Readonly<Record<string, ContainerStatus>> = {
  created: 'created',
  configured: 'created',
  initialized: 'created',
  running: 'running',
  stopping: 'running',
  paused: 'paused',
  restarting: 'restarting',
  removing: 'removing',
  exited: 'exited',
  stopped: 'exited',
  dead: 'dead',
};

/** Docker's and podman's "never": Go's zero time. */
function time(value: string): string | null {
  return value === '' || value.startsWith('0001-01-01') ? null : value;
}

/** One element of `container inspect`'s array; anything else is an error naming what is wrong. */
export function containerState(raw: unknown): ContainerState {
  const c = ContainerInspect.parse(raw);
  const status = STATUS[c.State.Status.toLowerCase()] ?? 'dead';
  return {
    id: c.Id,
    name: c.Name.replace(/^\//, ''),
    image: c.Config.Image,
    status,
    rawStatus: c.State.Status,
    exitCode: status === 'exited' || status === 'dead' ? c.State.ExitCode : null,
    oomKilled: c.State.OOMKilled,
    error: c.State.Error === '' ? null : c.State.Error,
    startedAt: time(c.State.StartedAt),
    finishedAt: time(c.State.FinishedAt),
    labels: c.Config.Labels,
  };
}

export function imageInfo(raw: unknown): ImageInfo {
  const i = ImageInspect.parse(raw);
  return {
    id: i.Id,
    repoTags: i.RepoTags,
    labels: i.Config?.Labels ?? {},
    entrypoint: i.Config?.Entrypoint ?? null,
    cmd: i.Config?.Cmd ?? null,
    workingDir: i.Config?.WorkingDir ?? '',
    user: i.Config?.User ?? '',
  };
}

/** The JSON array `inspect` prints, even when it also failed for some of the names it was given. */
export function inspectArray(stdout: string): unknown[] {
  const text = stdout.trim();
  if (text === '') return [];
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? (parsed as unknown[]) : [];
}

/** `wait` prints the exit code. */
export function exitCodeOf(stdout: string): number {
  const code = Number.parseInt(stdout.trim().split('\n').pop() ?? '', 10);
  if (!Number.isSafeInteger(code)) throw new Error(`wait printed no exit code: ${stdout.trim()}`);
  return code;
}

/** `ps -q` / `images -q`: one id a line; podman may repeat an image id that has several tags. */
export function idsOf(stdout: string): string[] {
  return [
    ...new Set(
      stdout
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== ''),
    ),
  ];
}
