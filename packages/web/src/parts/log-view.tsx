/**
 * @module A run's log, following it live: each read is a long-poll (`getLogs` with `waitMs`) that the
 * server answers as soon as lines arrive, in pages of up to 10,000 lines, so a fast printer is kept
 * up with. Only the lines in view are in the DOM (fixed line height), so 100,000 lines stay light;
 * while scrolled to the bottom the view follows new lines.
 */
import type { LogLine } from '@tminus/sdk/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';

import { useLongPoll } from '../hooks.js';
import type { Session } from '../session.js';

const LINE_PX = 18;
const OVERSCAN = 30;

export function LogView({ session, runId }: { session: Session; runId: string }) {
  const lines = useRef<LogLine[]>([]);
  const [count, setCount] = useState(0);
  const [done, setDone] = useState(false);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const box = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  useLongPoll(
    async (signal) => {
      const after = lines.current.at(-1)?.seq ?? -1;
      const page = await session.api.request(
        'getLogs',
        { params: { id: runId }, query: { after, limit: 10_000, waitMs: 25_000 } },
        { signal },
      );
      if (page.lines.length > 0) {
        lines.current.push(...page.lines);
        setCount(lines.current.length);
      }
      if (page.done) setDone(true);
      return !page.done;
    },
    [runId],
  );
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    setHeight(el.clientHeight);
    if (follow.current) el.scrollTop = el.scrollHeight;
  }, [count]);
  const first = Math.max(0, Math.floor(scrollTop / LINE_PX) - OVERSCAN);
  const last = Math.min(count, Math.ceil((scrollTop + height) / LINE_PX) + OVERSCAN);
  const visible = lines.current.slice(first, last);
  return (
    <div class="log-wrap">
      <div
        class="log"
        ref={box}
        tabIndex={0}
        role="log"
        aria-label="Log output"
        aria-live="off"
        onScroll={(e) => {
          const el = e.currentTarget;
          follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - LINE_PX * 2;
          setScrollTop(el.scrollTop);
          setHeight(el.clientHeight);
        }}
      >
        <div style={{ height: `${count * LINE_PX}px`, position: 'relative' }}>
          <pre style={{ top: `${first * LINE_PX}px` }}>
            {visible.map((line) => (
              <div key={line.seq} class={`line ${line.stream}`} data-seq={line.seq}>
                {line.text || ' '}
              </div>
            ))}
          </pre>
        </div>
      </div>
      <p class="log-status">
        {count.toLocaleString()} lines{done ? ' · the run has ended' : ' · following'}
      </p>
    </div>
  );
}
