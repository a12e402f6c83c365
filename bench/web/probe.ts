/**
 * Time to first paint of one view, read inside the page: an init script (injected before the app's
 * own, so the page's CSP does not apply to it) watches the DOM with a MutationObserver and notes
 * `performance.now()` (ms since navigation start) one frame after the awaited element appeared —
 * the frame that paints it. Then the JS heap after a forced collection and the DOM's size, from the
 * Chrome DevTools Protocol.
 */
import type { Browser } from 'playwright-core';

export interface Probe {
  /** CSS selector of the element whose painting is awaited. */
  readonly selector: string;
  /** When set, an element matching `selector` must have exactly this text. */
  readonly text?: string;
}

export interface Sample {
  /** Navigation start → the awaited element painted. */
  readonly paintMs: number;
  /** JSHeapUsedSize after a collection, MB. */
  readonly heapMb: number;
  /** Elements in the document. */
  readonly domNodes: number;
}

declare global {
  interface Window {
    __benchPaintedAt?: number;
  }
}

/** Opens `url` in a fresh tab signed in with `apiKey`, waits for `probe`, and reads its figures. */
export async function sample(
  browser: Browser,
  url: string,
  apiKey: string,
  probe: Probe,
  timeoutMs = 120_000,
): Promise<Sample> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    await context.addInitScript(
      ({ key, selector, text }) => {
        sessionStorage.setItem('tminus.apiKey', key);
        const found = () =>
          text === undefined
            ? document.querySelector(selector) !== null
            : Array.from(document.querySelectorAll(selector)).some((el) => el.textContent === text);
        const observer = new MutationObserver(() => {
          if (!found()) return;
          observer.disconnect();
          requestAnimationFrame(() =>
            setTimeout(() => {
              window.__benchPaintedAt = performance.now();
            }, 0),
          );
        });
        observer.observe(document, { subtree: true, childList: true, characterData: true });
      },
      { key: apiKey, selector: probe.selector, text: probe.text },
    );
    const page = await context.newPage();
    await page.goto(url);
    const handle = await page.waitForFunction(() => window.__benchPaintedAt, undefined, {
      timeout: timeoutMs,
      polling: 50,
    });
    const paintMs = Math.round((await handle.jsonValue()) as number);
    const cdp = await context.newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('Performance.enable');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? NaN;
    const domNodes = await page.evaluate(() => document.getElementsByTagName('*').length);
    return {
      paintMs,
      heapMb: Math.round(metric('JSHeapUsedSize') / 1024 / 102.4) / 10,
      domNodes,
    };
  } finally {
    await context.close();
  }
}
