/**
 * @module Running a stack script (scripts/container-stack.sh, scripts/slurm-stack.sh): `up`, and
 * the KEY=VALUE environment it prints, or the one line it gave for being unavailable — the reason
 * the tests that need it skip with.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type ScriptResult =
  | {
      readonly vars: Record<string, string>;
      readonly stdout: string;
      readonly skipReason?: undefined;
    }
  | { readonly vars?: undefined; readonly skipReason: string };

/** KEY=VALUE lines (the value runs to the end of the line). */
export function parseEnvLines(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

/** Runs `scripts/<name> up` (`timeoutMs`: the first run on a new machine installs packages). */
export function runStackScript(name: string, timeoutMs: number): Promise<ScriptResult> {
  const script = fileURLToPath(new URL(`../../scripts/${name}`, import.meta.url));
  return new Promise((resolve) => {
    execFile('bash', [script, 'up'], { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) {
        const said = stderr
          .split('\n')
          .filter((l) => l.trim() !== '')
          .pop();
        resolve({ skipReason: said ?? `scripts/${name} failed: ${error.message}` });
        return;
      }
      resolve({ vars: parseEnvLines(stdout), stdout });
    });
  });
}
