/**
 * Debian's chromium driven by playwright-core, for the web UI's tests: installed by
 * scripts/install-chromium.sh when missing (the reason is returned when it cannot be), headless,
 * `--no-sandbox` when running as root (chromium's sandbox refuses root).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { type Browser, chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The browser's path, or why there is none. */
export function findChromium(): { path: string } | { skip: string } {
  const result = spawnSync('bash', ['scripts/install-chromium.sh'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    return {
      skip: `chromium is not available: ${result.stderr.trim() || 'install script failed'}`,
    };
  }
  return { path: result.stdout.trim() };
}

export async function launchChromium(path: string): Promise<Browser> {
  return chromium.launch({
    executablePath: path,
    headless: true,
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}

/** Builds the SDK and the UI bundle (esbuild: a second or two) so the server serves the current UI. */
export function buildUi(): void {
  execFileSync('npx', ['tsc', '-b', 'packages/sdk'], { cwd: ROOT, stdio: 'pipe' });
  execFileSync('npm', ['run', 'build', '--workspace', '@tminus/web'], { cwd: ROOT, stdio: 'pipe' });
}

/** Where screenshots go (git-ignored): test-output/web/NAME.png. */
export function screenshotPath(name: string): string {
  const dir = `${ROOT}test-output/web`;
  mkdirSync(dir, { recursive: true });
  return `${dir}/${name}.png`;
}
