/**
 * @module Pages are addressed by the URL's fragment (`#/runs/run-abc`): the server serves one page at
 * `/`, and a link or a reload lands on the same view. Ids in the fragment go to the API only, which
 * validates them.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'runs'; query: URLSearchParams }
  | { page: 'run'; id: string }
  | { page: 'queues' }
  | { page: 'item'; id: string }
  | { page: 'agents' }
  | { page: 'jobs' }
  | { page: 'launch'; job: string | undefined };

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const query = new URLSearchParams(search);
  switch (parts[0] ?? '') {
    case 'run':
      if (parts[1] !== undefined) return { page: 'run', id: parts[1] };
      break;
    case 'item':
      if (parts[1] !== undefined) return { page: 'item', id: parts[1] };
      break;
    case 'queues':
      return { page: 'queues' };
    case 'agents':
      return { page: 'agents' };
    case 'jobs':
      return { page: 'jobs' };
    case 'launch':
      return { page: 'launch', job: query.get('job') ?? undefined };
    default:
      break;
  }
  return { page: 'runs', query };
}

export const href = {
  runs: (query?: URLSearchParams) => `#/runs${query && query.size > 0 ? `?${query}` : ''}`,
  run: (id: string) => `#/run/${encodeURIComponent(id)}`,
  item: (id: string) => `#/item/${encodeURIComponent(id)}`,
  launch: (job?: string) => `#/launch${job === undefined ? '' : `?job=${encodeURIComponent(job)}`}`,
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
