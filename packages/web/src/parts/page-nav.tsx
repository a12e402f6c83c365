/**
 * Paging by the API's cursor (newest first): the cursors of the pages above the one shown are kept,
 * so Newer goes back one page and Newest to the first; Older follows the page's `nextCursor`. The
 * pages are reset when `scope` (the filter) changes. See docs/decisions/0046.
 */
import { useState } from 'preact/hooks';

export interface PageCursors {
  /** The cursor of the page shown; undefined on the first (newest) page. */
  readonly cursor: string | undefined;
  /** 1 for the newest page. */
  readonly number: number;
  readonly older: (nextCursor: string) => void;
  readonly newer: () => void;
  readonly newest: () => void;
}

export function usePageCursors(scope: string): PageCursors {
  const [state, setState] = useState<{ scope: string; stack: readonly string[] }>({
    scope,
    stack: [],
  });
  const stack = state.scope === scope ? state.stack : [];
  return {
    cursor: stack.at(-1),
    number: stack.length + 1,
    older: (next) => setState({ scope, stack: [...stack, next] }),
    newer: () => setState({ scope, stack: stack.slice(0, -1) }),
    newest: () => setState({ scope, stack: [] }),
  };
}

export function PageNav(props: {
  pages: PageCursors;
  /** The shown page's `nextCursor`: null on the oldest page. */
  nextCursor: string | null;
  /** The navigation's accessible name ("Run list paging"). */
  name: string;
  /** "Runs 1–100": what the page holds. */
  label: string;
  onMove?: () => void;
}) {
  const { pages, nextCursor } = props;
  const move = (go: () => void) => () => {
    go();
    props.onMove?.();
  };
  const first = pages.number === 1;
  return (
    <nav class="pager" aria-label={props.name}>
      <button type="button" disabled={first} onClick={move(pages.newest)}>
        Newest
      </button>
      <button type="button" disabled={first} onClick={move(pages.newer)}>
        Newer
      </button>
      <span class="page-label" aria-live="polite">
        {props.label}
      </span>
      <button
        type="button"
        disabled={nextCursor === null}
        onClick={move(() => nextCursor !== null && pages.older(nextCursor))}
      >
        Older
      </button>
    </nav>
  );
}
