/**
 * The web UI in a real browser (Debian's chromium through playwright-core) against a real server and
 * a real agent running real processes: sign in, launch from the form, live run list and logs, cancel,
 * why a run waits, and what a viewer may not do. Screenshots of each page go to test-output/web/.
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Api } from '@tminus/sdk';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildUi, findChromium, launchChromium, screenshotPath } from '../helpers/browser.js';
import { uploadCodeJob } from '../helpers/code-job.js';
import { startStack, type TestStack } from '../helpers/stack.js';
import { call } from '../helpers/tenants.js';
import { tempDir } from '../helpers/temp.js';

/** A job that prints, waits at a gate file if told, reports a loss curve, sleeps, exits as told. */
const JOB_PY = `import json, os, sys, time, urllib.request
cfg = json.loads(os.environ.get("TMINUS_CONFIG") or "{}")
print("hello from the job", flush=True)
if cfg.get("lines"):
    print("\\n".join(f"line {i:05d}" for i in range(int(cfg["lines"]))), flush=True)
if cfg.get("metrics"):
    points = [{"step": i, "values": {"loss": 1.0 / (i + 1), "acc": i / 20}} for i in range(20)]
    req = urllib.request.Request(
        os.environ["TMINUS_API_URL"].rstrip("/") + "/api/v1/runs/" + os.environ["TMINUS_RUN_ID"] + "/metrics",
        data=json.dumps({"points": points}).encode(),
        headers={"authorization": "Bearer " + os.environ["TMINUS_RUN_TOKEN"], "content-type": "application/json"},
    )
    urllib.request.urlopen(req).read()
gate = cfg.get("gate")
if gate:
    while not os.path.exists(gate):
        time.sleep(0.05)
    print(cfg.get("after", "after the gate"), flush=True)
time.sleep(cfg.get("sleep", 0))
sys.exit(int(cfg.get("exit", 0)))
`;

const chromiumFound = findChromium();
const skip = 'skip' in chromiumFound ? chromiumFound.skip : undefined;
if (skip !== undefined) console.warn(`web UI tests skipped: ${skip}`);

let stack: TestStack;
let browser: Browser;
const dir = tempDir('web-ui');
let jobRef: string;
let viewerKey: string;

beforeAll(async () => {
  if (skip !== undefined) return;
  buildUi();
  stack = await startStack();
  await stack.startAgent(['default'], 4);
  const jobDir = join(dir.path, 'job');
  (await import('node:fs')).mkdirSync(jobDir);
  writeFileSync(join(jobDir, 'job.py'), JOB_PY);
  const job = await uploadCodeJob(stack.api, jobDir, {
    project: 'vision',
    name: 'train',
    entrypoint: ['python3', 'job.py'],
  });
  jobRef = `${job.entity}/${job.project}/${job.name}:latest`;
  // A queue no agent polls, with a template variable to validate.
  await stack.api.request('createQueue', {
    body: {
      name: 'gpu',
      templateVariables: { gpus: { type: 'integer', minimum: 1, maximum: 4, default: 1 } },
    },
  });
  // A team whose runs a viewer may read and not manage.
  const viewer = await stack.api.request('createUser', { body: { name: 'vera' } });
  viewerKey = viewer.apiKey;
  await stack.api.request('createTeam', { body: { name: 'lab' } });
  await stack.api.request('setMember', {
    params: { entity: 'lab', user: 'vera' },
    body: { role: 'viewer' },
  });
  browser = await launchChromium((chromiumFound as { path: string }).path);
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  dir.remove();
});

async function signedIn(key: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  await page.goto(stack.url);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Pages' }).waitFor();
  return page;
}

async function launchViaApi(config: Record<string, unknown>): Promise<string> {
  const item = await stack.api.request('enqueue', {
    body: { queue: 'default', spec: { job: jobRef, overrides: { run_config: config } } },
  });
  const started = await stack.api.request('getQueueItem', {
    params: { id: item.id },
    query: { waitFor: 'started', waitMs: 30_000 },
  });
  expect(started.runId).not.toBeNull();
  return started.runId!;
}

describe.skipIf(skip !== undefined)('the web UI', () => {
  it('is served at / with its own files only, and signs in with a key kept out of the URL', async () => {
    const page = await browser.newPage();
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(stack.url)) external.push(r.url());
    });
    await page.goto(stack.url);
    await page.screenshot({ path: screenshotPath('sign-in') });
    await page.getByLabel('API key').fill('tmk_wrong_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('UNAUTHENTICATED');
    await page.getByLabel('API key').fill(stack.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    expect(page.url()).not.toContain(stack.apiKey);
    expect(await page.evaluate(() => sessionStorage.getItem('tminus.apiKey'))).toBe(stack.apiKey);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    // A reload keeps the session of this tab.
    await page.reload();
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    expect(external).toEqual([]);
    await page.close();
  });

  it('launches a run from the form, which appears in the run list and finishes without a reload', async () => {
    const page = await signedIn(stack.apiKey);
    await page.goto(`${stack.url}/#/runs`);
    await page.getByText('No runs yet').or(page.locator('table.runs')).first().waitFor();
    const runsPage = page;
    const form = await signedIn(stack.apiKey);
    await form.goto(`${stack.url}/#/launch`);
    await form.getByLabel('Job').selectOption(jobRef);
    await form.getByLabel('Queue').selectOption('default');
    await form.getByLabel('Run name (optional)').fill('from-the-form');
    await form.getByLabel(/^Config/).fill('{"metrics": true, "exit": 0');
    await expect
      .poll(() => form.locator('#launch-config-error').textContent())
      .toContain('not valid JSON');
    expect(await form.getByRole('button', { name: 'Launch' }).isDisabled()).toBe(true);
    await form.getByLabel(/^Config/).fill('{"metrics": true, "exit": 0}');
    await form.screenshot({ path: screenshotPath('launch'), fullPage: true });
    await form.getByRole('button', { name: 'Launch' }).click();
    // The queued run becomes a run and its page follows it to the end.
    await form.waitForURL(/#\/run\//, { timeout: 30_000 });
    await form.getByText('finished', { exact: true }).first().waitFor({ timeout: 30_000 });
    expect(await form.getByTestId('exit-code').textContent()).toBe('0');
    await form.getByText('hello from the job').waitFor();
    await form.locator('.chart figcaption', { hasText: 'loss' }).waitFor();
    await form.screenshot({ path: screenshotPath('run'), fullPage: true });
    // The list opened before the launch shows it, finished, with no reload.
    const row = runsPage.locator('tr', { hasText: 'from-the-form' });
    await row.getByText('finished').waitFor({ timeout: 30_000 });
    await runsPage.screenshot({ path: screenshotPath('runs'), fullPage: true });
    await page.close();
    await form.close();
  });

  it('pages the run list 100 at a time, and a run created meanwhile appears on the first page', async () => {
    await stack.api.request('createTeam', { body: { name: 'paged' } });
    const name = (i: number) => `paged-${String(i).padStart(3, '0')}`;
    for (let i = 0; i < 105; i++) {
      await stack.api.request('createDirectRun', {
        body: { spec: { entity: 'paged', project: 'p', name: name(i) } },
      });
    }
    const page = await signedIn(stack.apiKey);
    await page.goto(`${stack.url}/#/runs?entity=paged`);
    const rows = page.locator('table.runs tbody tr');
    const pager = page.getByRole('navigation', { name: 'Run list paging' });
    await pager.getByText('Runs 1–100, newest first').waitFor();
    expect(await rows.count()).toBe(100);
    expect(await rows.first().textContent()).toContain(name(104));
    expect(await rows.last().textContent()).toContain(name(5));
    expect(await pager.getByRole('button', { name: 'Newer' }).isDisabled()).toBe(true);
    // The next page holds the five oldest, and there is none older.
    await pager.getByRole('button', { name: 'Older' }).click();
    await pager.getByText('Runs 101–105, newest first').waitFor();
    expect(await rows.locator('td:first-child').allTextContents()).toEqual(
      [4, 3, 2, 1, 0].map(name),
    );
    expect(await pager.getByRole('button', { name: 'Older' }).isDisabled()).toBe(true);
    await page.screenshot({ path: screenshotPath('runs-older'), fullPage: true });
    await pager.getByRole('button', { name: 'Newest' }).click();
    await pager.getByText('Runs 1–100, newest first').waitFor();
    // Created while the first page is open: it appears on top, with no reload.
    await stack.api.request('createDirectRun', {
      body: { spec: { entity: 'paged', project: 'p', name: 'paged-live' } },
    });
    await rows.first().getByText('paged-live').waitFor();
    expect(await rows.count()).toBe(100);
    expect(await rows.last().textContent()).toContain(name(6));
    await pager.getByRole('button', { name: 'Older' }).click();
    await rows.first().getByText(name(5)).waitFor();
    await pager.getByRole('button', { name: 'Newer' }).click();
    await rows.first().getByText('paged-live').waitFor();
    await page.close();
  });

  it('shows a log line printed after the page opened', async () => {
    const gate = join(dir.path, 'gate-logs');
    const runId = await launchViaApi({ gate, after: 'printed after the page opened' });
    const page = await signedIn(stack.apiKey);
    await page.goto(`${stack.url}/#/run/${runId}`);
    const log = page.getByRole('log');
    await log.getByText('hello from the job').waitFor({ timeout: 30_000 });
    expect(await log.getByText('printed after the page opened').count()).toBe(0);
    writeFileSync(gate, '');
    await log.getByText('printed after the page opened').waitFor({ timeout: 30_000 });
    await page.getByText('finished', { exact: true }).first().waitFor({ timeout: 30_000 });
    await page.close();
  });

  it('reads a long log to its last line, and scrolls back to its first', async () => {
    const runId = await launchViaApi({ lines: 25_000 });
    await stack.api.request('getRun', {
      params: { id: runId },
      query: { waitFor: 'finished', waitMs: 30_000 },
    });
    const page = await signedIn(stack.apiKey);
    await page.goto(`${stack.url}/#/run/${runId}`);
    const log = page.getByRole('log');
    await log.getByText('line 24999', { exact: true }).waitFor({ timeout: 30_000 });
    await page.getByText(/the run has ended/).waitFor();
    // Only the lines in view are in the page.
    expect(await log.locator('.line').count()).toBeLessThan(200);
    await log.evaluate((el) => (el.scrollTop = 0));
    await log.getByText('hello from the job').waitFor();
    await log.getByText('line 00000', { exact: true }).waitFor();
    await page.close();
  });

  it('cancels a running run from its page', async () => {
    const runId = await launchViaApi({ sleep: 300 });
    await stack.api.request('getRun', {
      params: { id: runId },
      query: { waitFor: 'started', waitMs: 30_000 },
    });
    const page = await signedIn(stack.apiKey);
    await page.goto(`${stack.url}/#/run/${runId}`);
    await page.getByText('running', { exact: true }).first().waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.getByText('stopped', { exact: true }).first().waitFor({ timeout: 30_000 });
    const run = await stack.api.request('getRun', { params: { id: runId } });
    expect(run.state).toBe('stopped');
    // The state history, read again as the state changed, shows the way there.
    const history = page.getByTestId('run-history');
    await history.getByText('stopped', { exact: true }).waitFor();
    expect(await history.locator('tbody td:nth-child(2)').allTextContents()).toEqual([
      'created, starting',
      'running',
      'stopping',
      'stopped',
    ]);
    await page.close();
  });

  it('shows why a queued run is still pending, and checks template variables as the user types', async () => {
    const page = await signedIn(stack.apiKey);
    await page.goto(`${stack.url}/#/launch`);
    await page.getByLabel('Job').selectOption(jobRef);
    await page.getByLabel('Queue').selectOption('gpu');
    await page.getByLabel(/^gpus/).fill('9');
    // The server's own words for the same mistake.
    await expect
      .poll(() => page.locator('#var-gpus-error').textContent())
      .toBe('Value for gpus must be at most 4; got 9.');
    const refused = await call(
      stack.url,
      'enqueue',
      { body: { queue: 'gpu', spec: { job: jobRef }, templateVariables: { gpus: 9 } } },
      stack.apiKey,
    );
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('Value for gpus must be at most 4; got 9.');
    await page.getByLabel(/^gpus/).fill('2');
    await page.getByRole('button', { name: 'Launch' }).click();
    await page.waitForURL(/#\/item\//);
    const reason = page.getByTestId('pending-reason');
    await reason.waitFor();
    expect(await reason.textContent()).toMatch(/no agent/i);
    await page.screenshot({ path: screenshotPath('item-pending'), fullPage: true });
    await page.goto(`${stack.url}/#/queues`);
    await page
      .locator('td.why', { hasText: /no agent/i })
      .first()
      .waitFor();
    await page.screenshot({ path: screenshotPath('queues'), fullPage: true });
    await page.close();
  });

  it('shows agents and jobs', async () => {
    const page = await signedIn(stack.apiKey);
    await page.goto(`${stack.url}/#/agents`);
    await page.locator('tr[data-agent]').first().waitFor();
    expect(await page.locator('tr[data-agent]').first().textContent()).toContain('default');
    await page.screenshot({ path: screenshotPath('agents'), fullPage: true });
    await page.goto(`${stack.url}/#/jobs`);
    await page.getByRole('button', { name: 'Show versions' }).click();
    await page.getByText('v0').first().waitFor();
    expect(await page.locator('.card').first().textContent()).toContain('latest → v0');
    await page.screenshot({ path: screenshotPath('jobs'), fullPage: true });
    await page.close();
  });

  it('gives a viewer no cancel button, and the API refuses the viewer anyway', async () => {
    const { run } = await stack.api.request('createDirectRun', {
      body: { spec: { entity: 'lab', project: 'p', job: undefined, uri: undefined } },
    });
    const page = await signedIn(viewerKey);
    await page.goto(`${stack.url}/#/run/${run.id}`);
    await page.getByText('pending', { exact: true }).first().waitFor();
    expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
    const refused = await new Api({ baseUrl: stack.url, apiKey: viewerKey })
      .request('cancelRun', { params: { id: run.id } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(refused).toMatchObject({ code: 'PERMISSION_DENIED' });
    await page.close();
  });

  it('fits a narrow screen and is usable from the keyboard', async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 740 } });
    await page.goto(stack.url);
    // The key field takes the focus once the page has started: typing before that would be lost.
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.id), { timeout: 30_000 })
      .toBe('api-key');
    await page.keyboard.type(stack.apiKey); // the key field has focus
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    // Tab to the Queues link and follow it.
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Tab');
      if ((await page.evaluate(() => document.activeElement?.textContent)) === 'Queues') break;
    }
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Queues' }).waitFor();
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: screenshotPath('queues-narrow'), fullPage: true });
    await page.close();
  });
});

/** Marks the page's window: a reload would lose the mark. */
const mark = (page: Page) =>
  page.evaluate(() => Object.assign(window, { tminusTestMark: 'still here' }));
const marked = (page: Page) =>
  page.evaluate(() => (window as unknown as { tminusTestMark?: string }).tminusTestMark);

describe.skipIf(skip !== undefined)('the live queues and agents pages', () => {
  it('the queues page shows a run enqueued after it opened, with why it waits, without a reload', async () => {
    const page = await signedIn(stack.apiKey);
    await page.goto(`${stack.url}/#/queues`);
    const card = page.locator('article.card', { hasText: `${stack.entity}/gpu` });
    await card.getByText('No agent polls this queue').waitFor();
    await mark(page);
    const item = await stack.api.request('enqueue', {
      body: { queue: 'gpu', spec: { job: jobRef, name: 'appears-live' } },
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
    const agents = await signedIn(stack.apiKey);
    await agents.goto(`${stack.url}/#/agents`);
    await agents.locator('tr[data-agent]').first().waitFor();
    const queues = await signedIn(stack.apiKey);
    await queues.goto(`${stack.url}/#/queues`);
    const card = queues.locator('article.card', { hasText: `${stack.entity}/gpu` });
    await card.getByText('No agent polls this queue').waitFor();
    await mark(agents);
    await mark(queues);
    const agent = await stack.startAgent(['gpu'], 3);
    try {
      const row = agents.locator(`tr[data-agent="${agent.id}"]`);
      await row.waitFor();
      expect(await row.textContent()).toContain('gpu');
      expect(await row.textContent()).toContain('of 3');
      await card.locator('ul.agents li', { hasText: 'of 3' }).waitFor();
      expect(await marked(agents)).toBe('still here');
      expect(await marked(queues)).toBe('still here');
      await agents.screenshot({ path: screenshotPath('agents-live'), fullPage: true });
    } finally {
      await agent.stop();
      await agents.close();
      await queues.close();
    }
  });

  it('keeps the bundle small: zod is imported as a namespace, so its locales stay out (decision 0049)', () => {
    const bundle = fileURLToPath(new URL('../../packages/tminus/dist/ui/main.js', import.meta.url));
    // 518 KB when the SDK imported `{ z }`; 163 KB since.
    expect(statSync(bundle).size).toBeLessThan(250_000);
  });
});
