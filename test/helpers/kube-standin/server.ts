/* eslint-disable @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument -- the stand-in handles what clients send as untyped JSON, as an API server does */
/**
 * A STAND-IN for a Kubernetes API server (none can run on these machines): the subset the
 * Kubernetes runner uses — discovery, Jobs, Pods, Secrets, watch with resourceVersion and 410 Gone,
 * pod logs (follow, timestamps, sinceTime, stream), eviction — over real HTTP on loopback. It plays
 * the Job controller and the kubelet too: a Job gets a pod, the pod's first container runs as a real
 * local process (its command, env with secretKeyRefs resolved, working directory), its status is set
 * as the kubelet sets it, a deleted pod gets SIGTERM and SIGKILL after its grace period. Mounts are
 * simulated by mapping mount paths to host directories (no mount namespaces here). Created Jobs and
 * Secrets are validated against the official schemas (422 otherwise), as the real server does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Job } from 'kubernetes-models/batch/v1';
import { Event, Pod, Secret } from 'kubernetes-models/v1';

import { accessReview, discovery, RESOURCES } from './discovery.js';
import { body, type Json, mergePatch, send, status } from './http.js';
import { Conflict, fieldsMatch, matches, ObjectStore, type Obj } from './store.js';

export interface StandinOptions {
  /** PersistentVolumeClaims: claim name → the host directory it is. */
  readonly pvcs?: Readonly<Record<string, string>>;
  /** Images that exist (others fail to pull). @default every image */
  readonly imageExists?: (image: string) => boolean;
  /** Pods are not scheduled until `schedule()`; the scheduler's message meanwhile. */
  readonly unschedulable?: string;
  /**
   * The Job controller may not create pods (a ResourceQuota's refusal, this message) until
   * `admitPods()`; it says so in a Warning Event on the Job, as Kubernetes does.
   */
  readonly podsForbidden?: string;
  /**
   * Check every Pod and Job the stand-in itself writes (as controller and kubelet) against the
   * official schemas; failures are collected in `schemaErrors`. @default true
   */
  readonly checkSchemas?: boolean;
  /** What the account may not do, as "verb resource[/subresource]" (access reviews say no). */
  readonly forbidden?: readonly string[];
  /** Run pods' programs (false: pods run until `finish()`, for the bench). @default true */
  readonly execute?: boolean;
}

interface LogEntry {
  readonly ts: string;
  readonly stream: 'Stdout' | 'Stderr';
  readonly text: string;
}

interface PodRuntime {
  child?: ChildProcess;
  readonly logs: LogEntry[];
  readonly listeners: Set<() => void>;
  ended: boolean;
  killTimer?: NodeJS.Timeout;
}

let lastNs = 0n;
/** RFC 3339 with nanoseconds, strictly increasing (as a kubelet's log timestamps). */
function nowNano(): string {
  let ns = BigInt(Date.now()) * 1_000_000n;
  if (ns <= lastNs) ns = lastNs + 1n;
  lastNs = ns;
  const iso = new Date(Number(ns / 1_000_000n)).toISOString().slice(0, 19);
  return `${iso}.${
    String(ns % 1_000_000_000n)
      .padStart(9, '0')
      .replace(/0+$/, '') || '0'
  }Z`;
}

export class KubeStandin {
  readonly store = new ObjectStore();
  readonly #runtimes = new Map<string, PodRuntime>();
  readonly #server: Server;
  readonly #dir = mkdtempSync(join(tmpdir(), 'kube-standin-'));
  #held: string[] = [];
  /** Jobs whose pods the controller was refused (`podsForbidden`). */
  readonly #refused: [string, Obj][] = [];
  /** Watch connections: open now, and opened in all. */
  readonly watches = { open: 0, total: 0 };
  /** Log requests that follow (one per container stream a runner reads while it runs). */
  readonly logFollows = { open: 0, most: 0 };
  readonly #watchEnds = new Set<() => void>();
  url = '';
  kubeconfig = '';

  /** What failed the schema check of an object the stand-in wrote (see `checkSchemas`). */
  readonly schemaErrors: string[] = [];

  constructor(private readonly options: StandinOptions = {}) {
    if (options.checkSchemas !== false)
      this.store.subscribe((e) => {
        if (e.type === 'DELETED' || (e.resource !== 'pods' && e.resource !== 'jobs')) return;
        try {
          (e.resource === 'pods' ? new Pod(e.object) : new Job(e.object)).validate();
        } catch (error) {
          this.schemaErrors.push(
            `${e.resource} ${e.object.metadata.name}: ${(error as Error).message}`,
          );
        }
      });
    this.#server = createServer(
      (req, res) =>
        void this.#handle(req, res).catch((e: Error) =>
          status(res, 500, 'InternalError', e.message),
        ),
    );
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    this.url = `http://127.0.0.1:${address.port}`;
    this.kubeconfig = join(this.#dir, 'kubeconfig');
    writeFileSync(
      this.kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'standin', cluster: { server: this.url, 'insecure-skip-tls-verify': true } },
        ],
        users: [{ name: 'standin', user: { token: 'standin-token' } }],
        contexts: [
          {
            name: 'standin',
            context: { cluster: 'standin', user: 'standin', namespace: 'standin-ns' },
          },
        ],
        'current-context': 'standin',
      }),
    );
    return this;
  }

  async close(): Promise<void> {
    for (const rt of this.#runtimes.values()) rt.child?.kill('SIGKILL');
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  /** Ends every open watch (as an API server restart or a load balancer does). */
  dropWatches(): void {
    for (const end of this.#watchEnds) end();
  }

  /** etcd compaction: watches from older versions answer 410 Gone. */
  compact(): void {
    this.store.compact();
  }

  /** Schedules the pods held as unschedulable. */
  schedule(): void {
    const held = this.#held;
    this.#held = [];
    for (const key of held) {
      const [ns, name] = key.split('/') as [string, string];
      this.#startPod(ns, name);
    }
  }

  /** The Eviction API (a drain, a preemption): DisruptionTarget, then the pod is deleted. */
  evict(ns: string, name: string): void {
    this.store.update('pods', ns, name, (pod) => {
      (pod.status as Json).conditions.push({
        type: 'DisruptionTarget',
        status: 'True',
        reason: 'EvictionByEvictionAPI',
        message: 'Eviction API: evicting',
      });
    });
    this.#deletePod(ns, name, undefined);
  }

  /** Ends the pods of the bench (execute: false) with `exitCode`. */
  finish(exitCode = 0): void {
    for (const pod of this.store.listAll('pods'))
      this.#terminated(pod.metadata.namespace ?? '', pod.metadata.name, exitCode, 'Completed');
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname;
    const list = discovery(path);
    if (list !== undefined) return send(res, list);
    if (
      path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews' &&
      req.method === 'POST'
    ) {
      const answer = accessReview(await body(req), this.options.forbidden ?? []);
      return 'invalid' in answer
        ? status(res, 422, 'Invalid', `SelfSubjectAccessReview is invalid: ${answer.invalid}`)
        : send(res, answer.review, 201);
    }
    const m =
      /^\/(?:api\/v1|apis\/batch\/v1)\/namespaces\/([a-z0-9-]+)\/(pods|secrets|events|jobs)(?:\/([a-z0-9.-]+)(?:\/(log|eviction))?)?$/.exec(
        path,
      );
    if (m === null)
      return status(
        res,
        404,
        'NotFound',
        `the server could not find the requested resource ${path}`,
      );
    const [, ns = '', resource = '', name, sub] = m;
    const q = url.searchParams;
    if (sub === 'log') return this.#log(ns, name ?? '', q, res);
    if (sub === 'eviction' && req.method === 'POST') {
      this.evict(ns, name ?? '');
      return send(res, { kind: 'Status', status: 'Success' }, 201);
    }
    if (req.method === 'GET' && name === undefined) {
      if (q.get('watch') === 'true' || q.get('watch') === '1')
        return this.#watch(ns, resource, q, req, res);
      return send(res, {
        kind: `${RESOURCES[resource]?.kind}List`,
        apiVersion: RESOURCES[resource]?.group,
        metadata: { resourceVersion: this.store.resourceVersion },
        items: this.store
          .list(resource, ns, q.get('labelSelector') ?? undefined)
          .filter((o) => fieldsMatch(o, q.get('fieldSelector') ?? undefined)),
      });
    }
    if (req.method === 'GET') {
      const object = this.store.get(resource, ns, name ?? '');
      return object === undefined
        ? status(res, 404, 'NotFound', `${resource} "${name}" not found`)
        : send(res, object);
    }
    if (req.method === 'POST') return this.#create(ns, resource, (await body(req)) as Obj, res);
    if (req.method === 'PATCH') {
      const patch = await body(req);
      const object = this.store.update(resource, ns, name ?? '', (o) => mergePatch(o, patch));
      return object === undefined
        ? status(res, 404, 'NotFound', `${resource} "${name}" not found`)
        : send(res, object);
    }
    if (req.method === 'DELETE') {
      const options = await body(req);
      const grace = q.get('gracePeriodSeconds') ?? options.gracePeriodSeconds;
      const propagation = q.get('propagationPolicy') ?? options.propagationPolicy;
      const object = this.store.get(resource, ns, name ?? '');
      if (object === undefined)
        return status(res, 404, 'NotFound', `${resource} "${name}" not found`);
      if (resource === 'pods')
        this.#deletePod(ns, name ?? '', grace === undefined ? undefined : Number(grace));
      else if (resource === 'jobs') this.#deleteJob(ns, name ?? '', propagation === 'Foreground');
      else this.store.delete(resource, ns, name ?? '');
      return send(res, { kind: 'Status', status: 'Success' });
    }
    return status(res, 405, 'MethodNotAllowed', `${req.method} is not supported by the stand-in`);
  }

  #create(ns: string, resource: string, object: Obj, res: ServerResponse): void {
    try {
      if (resource === 'jobs') new Job(object).validate();
      if (resource === 'secrets') {
        new Secret(object).validate();
        const data: Record<string, string> = { ...((object.data as Record<string, string>) ?? {}) };
        for (const [k, v] of Object.entries((object.stringData as Record<string, string>) ?? {}))
          data[k] = Buffer.from(v).toString('base64');
        object.data = data;
        delete object.stringData;
      }
    } catch (error) {
      return status(
        res,
        422,
        'Invalid',
        `${RESOURCES[resource]?.kind} is invalid: ${(error as Error).message}`,
      );
    }
    if ((object.metadata.namespace ?? ns) !== ns)
      return status(
        res,
        400,
        'BadRequest',
        'the namespace of the object does not match the namespace on the request',
      );
    try {
      const created = this.store.create(resource, ns, object);
      if (resource === 'jobs') setImmediate(() => this.#jobController(ns, created));
      send(res, created, 201);
    } catch (error) {
      if (error instanceof Conflict) return status(res, 409, 'AlreadyExists', error.message);
      throw error;
    }
  }

  #watch(
    ns: string,
    resource: string,
    q: URLSearchParams,
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    const selector = q.get('labelSelector') ?? undefined;
    const from = Number(q.get('resourceVersion') ?? '0');
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders(); // as the API server does: a watch with nothing to say yet has still begun
    this.watches.open++;
    this.watches.total++;
    const write = (type: string, object: unknown) =>
      res.write(`${JSON.stringify({ type, object })}\n`);
    const past = this.store.since(resource, ns, from);
    if (past === 'gone') {
      write('ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        code: 410,
        reason: 'Expired',
        message: `too old resource version: ${from}`,
      });
      this.watches.open--;
      return void res.end();
    }
    for (const e of past) if (matches(e.object, selector)) write(e.type, e.object);
    const unsubscribe = this.store.subscribe((e) => {
      if (e.resource === resource && e.namespace === ns && matches(e.object, selector))
        write(e.type, e.object);
    });
    const end = () => res.end();
    this.#watchEnds.add(end);
    const timeout = setTimeout(end, Number(q.get('timeoutSeconds') ?? '1800') * 1000);
    req.on('close', () => {
      this.#watchEnds.delete(end);
      clearTimeout(timeout);
      unsubscribe();
      this.watches.open--;
    });
  }

  #log(ns: string, name: string, q: URLSearchParams, res: ServerResponse): void {
    const rt = this.#runtimes.get(`${ns}/${name}`);
    if (rt === undefined)
      return status(
        res,
        400,
        'BadRequest',
        `container in pod "${name}" is waiting to start: ContainerCreating`,
      );
    const stream = q.get('stream');
    const since = q.get('sinceTime');
    const timestamps = q.get('timestamps') === 'true';
    res.writeHead(200, { 'content-type': 'text/plain' });
    if (q.get('follow') === 'true') {
      this.logFollows.most = Math.max(this.logFollows.most, ++this.logFollows.open);
      res.on('close', () => this.logFollows.open--);
    }
    let sent = 0;
    const flush = () => {
      for (; sent < rt.logs.length; sent++) {
        const e = rt.logs[sent];
        if (e === undefined) continue;
        if (stream !== null && e.stream !== stream) continue;
        if (since !== null && e.ts.slice(0, 19) < since.slice(0, 19)) continue;
        res.write(`${timestamps ? `${e.ts} ` : ''}${e.text}`);
      }
      if (rt.ended || q.get('follow') !== 'true') {
        rt.listeners.delete(flush);
        res.end();
      }
    };
    rt.listeners.add(flush);
    res.on('close', () => rt.listeners.delete(flush));
    flush();
  }

  /** Lets the Job controller create the pods it was refused (`podsForbidden`). */
  admitPods(): void {
    const refused = this.#refused.splice(0);
    for (const [ns, job] of refused) this.#jobController(ns, job, true);
  }

  /** A Warning Event about `object`, as a controller records one (validated like the rest). */
  #warn(ns: string, object: Obj, reason: string, message: string): void {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${object.metadata.name}.${Date.now().toString(16)}`, namespace: ns },
      involvedObject: {
        apiVersion: String(object.apiVersion),
        kind: String(object.kind),
        name: object.metadata.name,
        namespace: ns,
        uid: String(object.metadata.uid),
      },
      type: 'Warning',
      reason,
      message,
      source: { component: 'job-controller' },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    new Event(event).validate();
    this.store.create('events', ns, event);
  }

  #jobController(ns: string, job: Obj, admitted = false): void {
    if (this.options.podsForbidden !== undefined && !admitted) {
      this.#refused.push([ns, job]);
      return this.#warn(
        ns,
        job,
        'FailedCreate',
        `Error creating: pods "${job.metadata.name}-x" is forbidden: ${this.options.podsForbidden}`,
      );
    }
    const template = ((job.spec as Json).template ?? {}) as Json;
    const name = `${job.metadata.name}-${Math.random().toString(36).slice(2, 7)}`;
    this.store.create('pods', ns, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        labels: {
          ...(template.metadata?.labels ?? {}),
          'job-name': job.metadata.name,
          'batch.kubernetes.io/job-name': job.metadata.name,
        },
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'Job',
            name: job.metadata.name,
            uid: job.metadata.uid,
            controller: true,
          },
        ],
      },
      spec: structuredClone(template.spec),
      status: { phase: 'Pending', conditions: [] },
    });
    this.store.update(
      'jobs',
      ns,
      job.metadata.name,
      (j) => (j.status = { active: 1, startTime: new Date().toISOString() }),
    );
    if (this.options.unschedulable !== undefined) {
      this.#held.push(`${ns}/${name}`);
      this.store.update('pods', ns, name, (p) => {
        (p.status as Json).conditions = [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: this.options.unschedulable,
          },
        ];
      });
      return;
    }
    setImmediate(() => this.#startPod(ns, name));
  }

  /** Host path for a path inside the pod (mounts mapped to directories). */
  #mapper(ns: string, spec: Json, container: Json): (path: string) => string {
    const maps: [string, string][] = [];
    for (const mount of (container.volumeMounts ?? []) as Json[]) {
      const volume = ((spec.volumes ?? []) as Json[]).find((v) => v.name === mount.name);
      if (volume?.persistentVolumeClaim !== undefined) {
        const dir = this.options.pvcs?.[volume.persistentVolumeClaim.claimName];
        if (dir !== undefined) maps.push([mount.mountPath, join(dir, mount.subPath ?? '')]);
      } else if (volume?.secret !== undefined) {
        const secret = this.store.get('secrets', ns, volume.secret.secretName);
        const dir = mkdtempSync(join(this.#dir, 'secret-'));
        for (const item of (volume.secret.items ?? []) as Json[]) {
          const value = (secret?.data as Record<string, string> | undefined)?.[item.key];
          if (value !== undefined)
            writeFileSync(join(dir, item.path), Buffer.from(value, 'base64'));
        }
        maps.push([mount.mountPath, dir]);
      }
    }
    maps.sort((a, b) => b[0].length - a[0].length);
    return (path) => {
      for (const [from, to] of maps)
        if (path === from || path.startsWith(`${from}/`)) return to + path.slice(from.length);
      return path;
    };
  }

  #startPod(ns: string, name: string): void {
    const pod = this.store.get('pods', ns, name);
    if (pod === undefined) return;
    const spec = pod.spec as Json;
    const container = spec.containers[0] as Json;
    const waiting = (reason: string, message: string) =>
      this.store.update('pods', ns, name, (p) => {
        (p.status as Json).containerStatuses = [
          {
            name: container.name,
            ready: false,
            restartCount: 0,
            image: container.image,
            imageID: '',
            state: { waiting: { reason, message } },
          },
        ];
      });
    this.store.update('pods', ns, name, (p) => {
      (p.status as Json).conditions = [{ type: 'PodScheduled', status: 'True' }];
    });
    if (this.options.imageExists !== undefined && !this.options.imageExists(container.image)) {
      waiting('ErrImagePull', `failed to pull image "${container.image}": not found`);
      setTimeout(
        () => waiting('ImagePullBackOff', `Back-off pulling image "${container.image}"`),
        50,
      );
      return;
    }
    const env: Record<string, string> = {};
    const map = this.#mapper(ns, spec, container);
    for (const e of (container.env ?? []) as Json[]) {
      if (e.value !== undefined) env[e.name] = map(e.value);
      const ref = e.valueFrom?.secretKeyRef;
      if (ref !== undefined) {
        const value = (
          this.store.get('secrets', ns, ref.name)?.data as Record<string, string> | undefined
        )?.[ref.key];
        if (value === undefined)
          return void waiting('CreateContainerConfigError', `secret "${ref.name}" not found`);
        env[e.name] = Buffer.from(value, 'base64').toString();
      }
    }
    const argv = [
      ...((container.command ?? []) as string[]),
      ...((container.args ?? []) as string[]),
    ].map(map);
    const rt: PodRuntime = { logs: [], listeners: new Set(), ended: false };
    this.#runtimes.set(`${ns}/${name}`, rt);
    const running = () =>
      this.store.update('pods', ns, name, (p) => {
        p.status = {
          ...(p.status as Json),
          phase: 'Running',
          containerStatuses: [
            {
              name: container.name,
              ready: true,
              restartCount: 0,
              image: container.image,
              imageID: '',
              started: true,
              state: { running: { startedAt: new Date().toISOString() } },
            },
          ],
        };
      });
    if (this.options.execute === false) return void running();
    const [program, ...args] = argv;
    const cwd =
      container.workingDir === undefined ? this.#dir : map(container.workingDir as string);
    mkdirSync(cwd, { recursive: true });
    const child = spawn(program ?? 'sh', args, {
      cwd,
      env: { PATH: process.env.PATH, ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    rt.child = child;
    let failedToStart: string | undefined;
    child.on(
      'error',
      (error) =>
        (failedToStart = `failed to create containerd task: exec: "${program}": ${error.message}`),
    );
    const capture = (stream: 'Stdout' | 'Stderr') => {
      let pending = '';
      return (chunk: Buffer) => {
        const parts = (pending + chunk.toString()).split('\n');
        pending = parts.pop() ?? '';
        for (const text of parts) rt.logs.push({ ts: nowNano(), stream, text: `${text}\n` });
        for (const l of rt.listeners) l();
        return () => {
          if (pending !== '') rt.logs.push({ ts: nowNano(), stream, text: pending });
        };
      };
    };
    const out = capture('Stdout');
    const err = capture('Stderr');
    let endOut = () => undefined as void;
    let endErr = () => undefined as void;
    child.stdout?.on('data', (c: Buffer) => (endOut = out(c)));
    child.stderr?.on('data', (c: Buffer) => (endErr = err(c)));
    child.on('spawn', running);
    child.on('close', (code, signal) => {
      clearTimeout(rt.killTimer);
      endOut();
      endErr();
      if (failedToStart !== undefined)
        return this.#terminated(ns, name, 128, 'StartError', failedToStart);
      const exitCode = code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 1);
      this.#terminated(ns, name, exitCode, exitCode === 0 ? 'Completed' : 'Error');
    });
  }

  /** The kubelet's report of an ended container; the Job controller's of its Job. */
  #terminated(ns: string, name: string, exitCode: number, reason: string, message?: string): void {
    const rt = this.#runtimes.get(`${ns}/${name}`);
    if (rt !== undefined) {
      rt.ended = true;
      for (const l of rt.listeners) l();
    }
    const pod = this.store.update('pods', ns, name, (p) => {
      const st = p.status as Json;
      const c = (st.containerStatuses?.[0] ?? {
        name: (p.spec as Json).containers[0].name,
      }) as Json;
      st.phase = exitCode === 0 ? 'Succeeded' : 'Failed';
      st.containerStatuses = [
        {
          ...c,
          ready: false,
          started: false,
          state: {
            terminated: { exitCode, reason, ...(message === undefined ? {} : { message }) },
          },
        },
      ];
    });
    if (pod === undefined) return;
    if ((pod.metadata as Json).deletionTimestamp !== undefined) this.store.delete('pods', ns, name);
    const job = (pod.metadata.labels ?? {})['job-name'];
    if (job === undefined) return;
    const ok = exitCode === 0;
    this.store.update('jobs', ns, job, (j) => {
      j.status = {
        ...(j.status as Json),
        active: 0,
        ...(ok ? { succeeded: 1 } : { failed: 1 }),
        conditions: [
          ok
            ? { type: 'Complete', status: 'True' }
            : {
                type: 'Failed',
                status: 'True',
                reason: 'BackoffLimitExceeded',
                message: 'Job has reached the specified backoff limit',
              },
        ],
      };
    });
    this.#maybeFinishJobDeletion(ns, job);
  }

  #deletePod(ns: string, name: string, grace: number | undefined): void {
    const pod = this.store.get('pods', ns, name);
    if (pod === undefined || (pod.metadata as Json).deletionTimestamp !== undefined) return;
    const seconds =
      grace ?? ((pod.spec as Json).terminationGracePeriodSeconds as number | undefined) ?? 30;
    this.store.update(
      'pods',
      ns,
      name,
      (p) => ((p.metadata as Json).deletionTimestamp = new Date().toISOString()),
    );
    const rt = this.#runtimes.get(`${ns}/${name}`);
    const phase = (pod.status as Json).phase;
    if (rt?.child !== undefined && !rt.ended && rt.child.pid !== undefined) {
      const pid = rt.child.pid;
      const kill = (signal: NodeJS.Signals) => {
        try {
          process.kill(-pid, signal);
        } catch {
          // gone already
        }
      };
      kill('SIGTERM');
      rt.killTimer = setTimeout(() => kill('SIGKILL'), seconds * 1000);
    } else if (this.options.execute === false && phase === 'Running')
      this.#terminated(ns, name, 137, 'Error');
    else {
      this.store.delete('pods', ns, name);
      const job = (pod.metadata.labels ?? {})['job-name'];
      if (job !== undefined) this.#maybeFinishJobDeletion(ns, job);
    }
  }

  #deleteJob(ns: string, name: string, foreground: boolean): void {
    const pods = this.store.list('pods', ns, `job-name=${name}`);
    if (foreground && pods.length > 0) {
      this.store.update('jobs', ns, name, (j) => {
        (j.metadata as Json).deletionTimestamp = new Date().toISOString();
        (j.metadata as Json).finalizers = ['foregroundDeletion'];
      });
      for (const pod of pods) this.#deletePod(ns, pod.metadata.name, undefined);
      return;
    }
    this.store.delete('jobs', ns, name);
    for (const pod of pods) this.#deletePod(ns, pod.metadata.name, undefined);
  }

  #maybeFinishJobDeletion(ns: string, job: string): void {
    const object = this.store.get('jobs', ns, job);
    if (object === undefined || (object.metadata as Json).deletionTimestamp === undefined) return;
    if (this.store.list('pods', ns, `job-name=${job}`).length === 0)
      this.store.delete('jobs', ns, job);
  }
}

export async function startKubeStandin(options: StandinOptions = {}): Promise<KubeStandin> {
  return new KubeStandin(options).listen();
}
