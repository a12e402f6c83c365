/**
 * @module A run's log, following it live: pages of up to 10,000 lines, several asked for at once
 * while a long log is read, then a long-poll (`getLogs` with `waitMs`) that the server answers as
 * soon as lines arrive, so a fast printer is kept up with (log-follower.ts). The lines are kept
 * compact (log-buffer.ts) and only those in view are in the DOM (fixed line height), so 100,000
 * lines stay light; while scrolled to the bottom the view follows new lines.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';

import { useLongPoll } from '../hooks.js';
import type { Session } from '../session.js';
import { LogBuffer } from './log-buffer.js';
import { LogFollower } from './log-follower.js';

const LINE_PX = 18;
const OVERSCAN = 30;

export function LogView({ session, runId }: { session: Session; runId: string }) {
  const lines = useMemo(() => new LogBuffer(), [runId]);
  const [count, setCount] = useState(0);
  const [done, setDone] = useState(false);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const box = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  // Where the view last scrolled itself to: a scroll event from there (it may arrive after more
  // lines made the log taller) is the view's own, not the reader leaving the bottom.
  const autoTop = useRef(0);
  const follower = useMemo(
    () =>
      new LogFollower(
        (after, waitMs, signal) =>
          session.api.request(
            'getLogs',
            { params: { id: runId }, query: { after, limit: 10_000, waitMs } },
            { signal },
          ),
        (page) => {
          lines.append(page);
          setCount(lines.length);
        },
      ),
    [runId],
  );
  useLongPoll(
    async (signal) => {
      const more = await follower.step(signal);
      if (!more) setDone(true);
      return more;
    },
    [follower],
  );
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    setHeight(el.clientHeight);
    if (follow.current) {
      el.scrollTop = el.scrollHeight;
      autoTop.current = el.scrollTop;
    }
  }, [count]);
  const first = Math.max(0, Math.floor(scrollTop / LINE_PX) - OVERSCAN);
  const last = Math.min(count, Math.ceil((scrollTop + height) / LINE_PX) + OVERSCAN);
  const visible = lines.texts.slice(first, last);
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
          follow.current =
            el.scrollTop >= autoTop.current ||
            el.scrollTop + el.clientHeight >= el.scrollHeight - LINE_PX * 2;
          setScrollTop(el.scrollTop);
          setHeight(el.clientHeight);
        }}
      >
        <div style={{ height: `${count * LINE_PX}px`, position: 'relative' }}>
          <pre style={{ top: `${first * LINE_PX}px` }}>
            {visible.map((text, i) => (
              <div key={first + i} class={`line ${lines.stream(first + i)}`}>
                {text || ' '}
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
