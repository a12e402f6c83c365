/**
 * @module An `Api` over several server replicas: requests go to the current one; when it cannot be
 * reached the next is tried, and it becomes current. Agents use it so that losing a replica only
 * moves them to another (all replicas share one database, so any may answer).
 */
import { Api, LaunchError, type RequestOptions } from '@tminus/sdk';
import type { RouteInput, RouteName, RouteOutput } from '@tminus/sdk/protocol';

export class FailoverApi extends Api {
  readonly #replicas: Api[];
  #current = 0;

  constructor(baseUrls: readonly string[], apiKey: string | undefined) {
    super({ baseUrl: baseUrls[0]!, ...(apiKey === undefined ? {} : { apiKey }) });
    this.#replicas = baseUrls.map(
      (baseUrl) => new Api({ baseUrl, ...(apiKey === undefined ? {} : { apiKey }) }),
    );
  }

  /** The replica requests go to now. */
  get currentBaseUrl(): string {
    return this.#replicas[this.#current]!.baseUrl;
  }

  override async request<N extends RouteName>(
    name: N,
    input: RouteInput<N>,
    options: RequestOptions = {},
  ): Promise<RouteOutput<N>> {
    for (let tried = 0; ; tried++) {
      const index = this.#current;
      try {
        return await this.#replicas[index]!.request(name, input, options);
      } catch (error) {
        const unreachable = error instanceof LaunchError && error.code === 'UNAVAILABLE';
        if (!unreachable || tried + 1 >= this.#replicas.length) throw error;
        if (this.#current === index) this.#current = (index + 1) % this.#replicas.length;
      }
    }
  }
}

/** `TMINUS_BASE_URL` / `--base-url` may list replicas separated by commas. */
export function splitBaseUrls(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
