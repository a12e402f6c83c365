/**
 * The queues and agents pages in a real browser (Debian's chromium through playwright-core) against
 * a real server: what happens after the page opened shows up without a reload — a run enqueued, an
 * agent started. The page is marked before the change and the mark is checked after, so the new row
 * cannot have come from a reload. Screenshots go to test-output/web/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildUi, findChromium, launchChromium, screenshotPath } from '../helpers/browser.js';
import { startStack, type TestStack } from '../helpers/stack.js';

const chromiumFound = findChromium();
const skip = 'skip' in chromiumFound ? chromiumFound.skip : undefined;
if (skip !== undefined) console.warn(`live board tests skipped: ${skip}`);

let stack: TestStack;
let browser: Browser;
let jobRef: string;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  if (skip !== undefined) return;
  buildUi();
  stack = await startStack();
  const created = await stack.api.request('createJob', {
    body: {
      project: 'p',
      name: 'j',
      source: {
        type: 'git',
        remote: '/tmp/some-repo',
        commit: 'a'.repeat(40),
        entrypoint: ['main.py'],
      },
    },
  });
  jobRef = created.job.ref;
  // A queue no agent polls: what is put on it stays there.
  await stack.api.request('createQueue', { body: { name: 'idle' } });
  browser = await launchChromium((chromiumFound as { path: string }).path);
});

afterAll(async () => {
  for (const stop of stops) await stop();
  await browser?.close();
  await stack?.close();
});

async function openSignedIn(hash: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(stack.url);
  await page.getByLabel('API key').fill(stack.apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Pages' }).waitFor();
  await page.goto(`${stack.url}/#/${hash}`);
  return page;
}

/** Marks the page's window: a reload would lose the mark. */
const mark = (page: Page) =>
  page.evaluate(() => Object.assign(window, { tminusTestMark: 'still here' }));
const marked = (page: Page) =>
  page.evaluate(() => (window as unknown as { tminusTestMark?: string }).tminusTestMark);

describe.skipIf(skip !== undefined)('live boards in the browser', () => {
  it('the queues page shows a run enqueued after it opened, with why it waits, without a reload', async () => {
    const page = await openSignedIn('queues');
    const card = page.locator('article.card', { hasText: `${stack.entity}/idle` });
    await card.getByText('Nothing is waiting.').waitFor();
    await mark(page);
    const item = await stack.api.request('enqueue', {
      body: { queue: 'idle', spec: { job: jobRef, name: 'appears-live' }, priority: 2 },
    });
    const row = card.locator(`tr[data-item="${item.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('appears-live');
    expect(await row.locator('td.why').textContent()).toMatch(/no agent/i);
    expect(await marked(page)).toBe('still here');
    await page.screenshot({ path: screenshotPath('queues-live'), fullPage: true });
    await page.close();
  });

  it('the agents page shows an agent that started after it opened, and the queues page its capacity', async () => {
    const agents = await openSignedIn('agents');
    await agents.getByText(`No agents in ${stack.entity}`).waitFor();
    const queues = await openSignedIn('queues');
    const card = queues.locator('article.card', { hasText: `${stack.entity}/default` });
    await card.getByText('No agent polls this queue').waitFor();
    await mark(agents);
    await mark(queues);
    const agent = await stack.startAgent(['default'], 3);
    stops.push(() => agent.stop());
    const row = agents.locator(`tr[data-agent="${agent.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('default');
    expect(await row.textContent()).toContain('of 3');
    await card.locator('ul.agents li', { hasText: 'of 3' }).waitFor();
    expect(await marked(agents)).toBe('still here');
    expect(await marked(queues)).toBe('still here');
    await agents.screenshot({ path: screenshotPath('agents-live'), fullPage: true });
    await agents.close();
    await queues.close();
  });
});
