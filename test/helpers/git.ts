import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A real git repository in `dir`; `commit` writes files and returns the new commit's hash. */
export function createGitRepo(dir: string) {
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', dir, ...args], {
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@e',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@e',
      },
    }).trim();
  mkdirSync(dir, { recursive: true });
  git('init', '-q', '-b', 'main');
  return {
    path: dir,
    git,
    commit(files: Record<string, string>, message = 'change'): string {
      for (const [name, content] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), content);
      }
      git('add', '-A');
      git('commit', '-q', '-m', message);
      return git('rev-parse', 'HEAD');
    },
  };
}

/** A Python program that prints its config and arguments, then exits with `exit_code` from its config. */
export const PRINT_CONFIG_PY = `import json, os, sys
config = json.loads(os.environ.get("WANDB_CONFIG", "{}"))
print("config=" + json.dumps(config, sort_keys=True))
print("args=" + json.dumps(sys.argv[1:]))
print("run_id=" + os.environ.get("TMINUS_RUN_ID", ""))
print("launch=" + os.environ.get("WANDB_LAUNCH", ""))
code = int(config.get("exit_code", 0))
if code:
    print(f"failing with {code}", file=sys.stderr)
sys.exit(code)
`;
