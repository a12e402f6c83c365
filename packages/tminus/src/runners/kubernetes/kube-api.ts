/**
 * @module The part of the Kubernetes API the runner uses, through the official client
 * (`@kubernetes/client-node`, loaded only when an agent has a Kubernetes runner): which cluster
 * (kubeconfig, else the in-cluster service account), objects of any kind created, read, listed,
 * patched and deleted (`KubernetesObjectApi`), pods watched, and a container's log followed.
 */
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';

import type * as K8s from '@kubernetes/client-node';
import type { KubeConfig, KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';

import { LineSplitter } from '../../lib/line-splitter.js';
import type { EventView } from './held-reason.js';
import type { PodEvent, PodSource } from './pod-watch.js';
import type { PodView } from './status.js';

export interface ClusterChoice {
  /** A kubeconfig file; default: KUBECONFIG or ~/.kube/config, else the in-cluster config. */
  readonly kubeconfig?: string;
  /** A context of the kubeconfig; default: its current context. */
  readonly context?: string;
}

/** An API error with its HTTP status (404, 409, 410, 422, …) and the server's message. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The client's errors as `KubeApiError` (its `ApiException` carries the Status object as text). */
function apiError(error: unknown): Error {
  const e = error as { code?: unknown; body?: unknown; message?: string };
  if (typeof e.code !== 'number') return error as Error;
  let message = e.message ?? `HTTP ${e.code}`;
  try {
    const body = (typeof e.body === 'string' ? JSON.parse(e.body) : e.body) as { message?: string };
    if (typeof body.message === 'string') message = body.message;
  } catch {
    // the body was not a Status object; keep the client's message
  }
  return new KubeApiError(e.code, message);
}

async function call<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw apiError(error);
  }
}

export interface LogRequest {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly follow: boolean;
  /** RFC 3339 (seconds): lines from then on (a re-attaching agent). */
  readonly sinceTime?: string;
  /** `Stdout`/`Stderr` (Kubernetes 1.32+, PodLogsQuerySplitStreams); undefined: both, merged. */
  readonly stream?: 'Stdout' | 'Stderr';
}

export class KubeApi implements PodSource {
  private constructor(
    readonly config: KubeConfig,
    private readonly objects: KubernetesObjectApi,
    private readonly k8s: typeof K8s,
    /** The namespace the kubeconfig's context names, if any. */
    readonly contextNamespace: string | undefined,
  ) {}

  static async connect(choice: ClusterChoice = {}): Promise<KubeApi> {
    const k8s = await import('@kubernetes/client-node');
    const config = new k8s.KubeConfig();
    if (choice.kubeconfig !== undefined) config.loadFromFile(choice.kubeconfig);
    else config.loadFromDefault(); // KUBECONFIG, ~/.kube/config, else in-cluster
    if (choice.context !== undefined) {
      if (config.getContextObject(choice.context) === null)
        throw new Error(
          `the kubeconfig has no context "${choice.context}"; it has ${
            config
              .getContexts()
              .map((c) => c.name)
              .join(', ') || 'none'
          }`,
        );
      config.setCurrentContext(choice.context);
    }
    if (config.getCurrentCluster() === null)
      throw new Error(
        'no Kubernetes cluster is configured: set KUBECONFIG, or run the agent in a pod',
      );
    const context = config.getContextObject(config.getCurrentContext());
    return new KubeApi(
      config,
      k8s.KubernetesObjectApi.makeApiClient(config),
      k8s,
      context?.namespace,
    );
  }

  /** Where the API server is, for messages. */
  get server(): string {
    return this.config.getCurrentCluster()?.server ?? 'the cluster';
  }

  create<T extends KubernetesObject>(object: T): Promise<T> {
    return call(() => this.objects.create(object));
  }

  /** The object, or undefined when there is none. */
  async read<T extends KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace: string,
    name: string,
  ): Promise<T | undefined> {
    try {
      return await call(() =>
        this.objects.read<T>({ apiVersion, kind, metadata: { name, namespace } }),
      );
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  async list<T extends KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace: string,
    labelSelector: string | undefined,
    fieldSelector?: string,
  ): Promise<{ items: T[]; resourceVersion: string }> {
    const list = await call(() =>
      this.objects.list<T>(
        apiVersion,
        kind,
        namespace,
        undefined,
        undefined,
        undefined,
        fieldSelector,
        labelSelector,
      ),
    );
    return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '0' };
  }

  /** A JSON merge patch. */
  patch<T extends KubernetesObject>(object: T): Promise<T> {
    return call(() =>
      this.objects.patch(
        object,
        undefined,
        undefined,
        'tminus',
        undefined,
        this.k8s.PatchStrategy.MergePatch,
      ),
    );
  }

  /** Deletes an object (gone already is fine); `propagation` of its dependents, e.g. `Foreground`. */
  async delete(
    object: KubernetesObject,
    options: { gracePeriodSeconds?: number; propagation?: 'Foreground' | 'Background' } = {},
  ): Promise<void> {
    try {
      await call(() =>
        this.objects.delete(
          object,
          undefined,
          undefined,
          options.gracePeriodSeconds,
          undefined,
          options.propagation,
        ),
      );
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
    }
  }

  /** Whether this account may do `what` in `namespace` (a SelfSubjectAccessReview). */
  async mayI(
    namespace: string,
    what: { verb: string; group: string; resource: string; subresource?: string },
  ): Promise<boolean> {
    const review = await this.create<KubernetesObject & { status?: { allowed?: boolean } }>({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: {
        resourceAttributes: {
          namespace,
          verb: what.verb,
          group: what.group,
          resource: what.resource,
          ...(what.subresource === undefined ? {} : { subresource: what.subresource }),
        },
      },
    } as KubernetesObject);
    return review.status?.allowed === true;
  }

  /** The Warning Events about one object (a Job, a pod) of `namespace`. */
  async warnings(namespace: string, involvedName: string): Promise<EventView[]> {
    const { items } = await this.list<KubernetesObject & EventView>(
      'v1',
      'Event',
      namespace,
      undefined,
      `involvedObject.name=${involvedName},type=Warning`,
    );
    return items;
  }

  async listPods(
    namespace: string,
    labelSelector: string,
  ): Promise<{ pods: PodView[]; resourceVersion: string }> {
    const { items, resourceVersion } = await this.list<KubernetesObject & PodView>(
      'v1',
      'Pod',
      namespace,
      labelSelector,
    );
    return { pods: items, resourceVersion };
  }

  /**
   * Watches pods from `resourceVersion`, read with the same streaming GET as a log rather than the
   * client's `Watch` (node-fetch + readline), which drops any exception thrown while an event is
   * handled as if the line had been unparsable (a bug of ours would be a silently lost event).
   */
  async watchPods(
    namespace: string,
    labelSelector: string,
    resourceVersion: string,
    onEvent: (type: PodEvent | 'BOOKMARK', pod: PodView) => void,
    signal: AbortSignal,
  ): Promise<{ gone: boolean; error?: Error }> {
    let gone = false;
    let response: IncomingMessage;
    try {
      response = await this.#get(
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
        {
          watch: 'true',
          labelSelector,
          resourceVersion,
          allowWatchBookmarks: 'true',
          timeoutSeconds: '300',
        },
        signal,
      );
    } catch (error) {
      return signal.aborted ? { gone } : { gone, error: error as Error };
    }
    const lines = new LineSplitter((line) => {
      let event: { type?: unknown; object?: { code?: unknown } };
      try {
        event = JSON.parse(line) as typeof event;
      } catch {
        return; // not an event (a proxy's noise): skip it
      }
      // 410 Gone: the version is too old (compacted); the caller lists again.
      if (event.type === 'ERROR') gone ||= event.object?.code === 410;
      else if (
        event.type === 'ADDED' ||
        event.type === 'MODIFIED' ||
        event.type === 'DELETED' ||
        event.type === 'BOOKMARK'
      )
        onEvent(event.type, event.object as PodView);
    }, Number.POSITIVE_INFINITY);
    response.setEncoding('utf8');
    return new Promise((resolve) => {
      let error: Error | undefined;
      response.on('data', (chunk: string) => lines.push(chunk));
      response.on('error', (e) => (error = e));
      response.on('close', () => {
        lines.end();
        resolve(error === undefined || signal.aborted ? { gone } : { gone, error });
      });
    });
  }

  /** A container's log as a byte stream (follow: until the container ends). */
  log(req: LogRequest, signal: AbortSignal): Promise<IncomingMessage> {
    return this.#get(
      `/api/v1/namespaces/${encodeURIComponent(req.namespace)}/pods/${encodeURIComponent(req.pod)}/log`,
      {
        container: req.container,
        timestamps: 'true',
        follow: req.follow ? 'true' : undefined,
        sinceTime: req.sinceTime,
        stream: req.stream,
      },
      signal,
    );
  }

  /** A GET whose answer is read as a stream (a watch, a log); an error status as `KubeApiError`. */
  async #get(
    path: string,
    params: Record<string, string | undefined>,
    signal: AbortSignal,
  ): Promise<IncomingMessage> {
    const cluster = this.config.getCurrentCluster();
    if (cluster === null) throw new Error('no Kubernetes cluster is configured');
    const url = new URL(path, cluster.server);
    for (const [name, value] of Object.entries(params))
      if (value !== undefined) url.searchParams.set(name, value);
    const options: RequestOptions = { method: 'GET', signal };
    await this.config.applyToHTTPSOptions(options);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const request = send(url, options, (response) => {
        if ((response.statusCode ?? 500) < 300) return resolve(response);
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          let message = text;
          try {
            message = (JSON.parse(text) as { message?: string }).message ?? text;
          } catch {
            // not a Status object
          }
          reject(new KubeApiError(response.statusCode ?? 500, message));
        });
      });
      request.on('error', reject);
      request.end();
    });
  }
}
