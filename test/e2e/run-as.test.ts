/**
 * `tminus agent --run-as USER`: the built agent, started as root, executes real programs as a
 * throwaway Unix user created for the test (and removed after). The programs try to read the
 * agent's CLI config (its API key), a root-only 0600 file and the server's SQLite database, and
 * report that they cannot; they print their uid, groups and HOME. Needs root, useradd and setpriv;
 * skipped otherwise, saying which is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { launchAdd } from '@tminus/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CLI, runCli } from '../helpers/cli.js';
import { uploadCodeJob } from '../helpers/code-job.js';
import { createGitRepo } from '../helpers/git.js';
import { type Spawned, spawnTminus } from '../helpers/processes.js';
import { startStack, type TestStack } from '../helpers/stack.js';
import { tempDir } from '../helpers/temp.js';
import { startUp } from '../helpers/up.js';

function installed(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

const skipReason =
  process.getuid?.() !== 0
    ? 'it must run as root to create a throwaway user and start an agent that switches to it'
    : !installed('useradd')
      ? 'useradd is missing, so no throwaway user can be created'
      : !installed('setpriv')
        ? 'setpriv (util-linux) is missing, which --run-as needs'
        : undefined;
if (skipReason !== undefined) console.warn(`run-as tests skipped: ${skipReason}`);

/** What a run reports about itself and about what it may read. */
const PROBE = `import os
def attempt(label, action):
    try:
        action()
        print(label + "=allowed")
    except PermissionError:
        print(label + "=denied")
print("uid=%d" % os.getuid())
print("groups=" + ",".join(str(g) for g in sorted(os.getgroups())))
print("home=" + os.environ["HOME"])
print("user=" + os.environ["USER"])
attempt("read_agent_config", lambda: open(os.environ["AGENT_CONFIG_FILE"]).read())
attempt("read_root_secret", lambda: open(os.environ["ROOT_SECRET"]).read())
attempt("read_database", lambda: open(os.environ["DATABASE"], "rb").read(1))
attempt("list_work_dir", lambda: os.listdir(os.environ["WORK_DIR"]))
attempt("write_own_dir", lambda: open("out.txt", "w").write("x"))
print("source_owner=%d" % os.stat("probe.py").st_uid)
print("config_file=" + open(os.environ["TMINUS_CONFIG_PATH"]).read())
`;

/** A git job's program: git works in its checkout, which borrows nothing from the agent's cache. */
const GIT_PROBE = `import os, subprocess
print("head=" + subprocess.check_output(["git", "rev-parse", "HEAD"], text=True).strip())
print("clean=" + str(subprocess.check_output(["git", "status", "--porcelain"], text=True) == ""))
print("uid=%d" % os.getuid())
`;

describe.skipIf(skipReason !== undefined)(
  `--run-as${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`,
  () => {
    const suffix = randomBytes(3).toString('hex');
    const user = `tminus-t-${suffix}`;
    const group = `tminus-g-${suffix}`;
    /** Passable by the run user (0711): its home, the work dir, the root-only secret, the repositories. */
    const shared = tempDir('run-as');
    /** The agent's own (0700): its CLI config and data dir. */
    const agentHome = tempDir('run-as-agent');
    const home = join(shared.path, 'home');
    const workDir = join(shared.path, 'runs');
    const repos = join(shared.path, 'repos');
    const configFile = join(agentHome.path, 'config', 'config.json');
    const rootSecret = join(shared.path, 'root-secret');
    let created = false;
    let uid = 0;
    let extraGid = 0;
    let stack: TestStack;
    /** The agent under test: root, running programs as `user`, on queue `as-user`. */
    let agent: Spawned | undefined;

    /** The agent as root: credentials in its CLI config file, as `tminus up` leaves them. */
    function agentEnv(): NodeJS.ProcessEnv {
      return {
        TMINUS_CONFIG_DIR: join(agentHome.path, 'config'),
        TMINUS_DATA_DIR: join(agentHome.path, 'data'),
        TMINUS_BASE_URL: '',
        TMINUS_API_KEY: '',
        AGENT_CONFIG_FILE: configFile,
        ROOT_SECRET: rootSecret,
        DATABASE: join(stack.dataDir, 'tminus.db'),
        WORK_DIR: workDir,
      };
    }

    async function logsOf(jobRef: string): Promise<string[]> {
      const queued = await launchAdd({ api: stack.api, job: jobRef, queueName: 'as-user' });
      const run = await queued.waitUntilFinished({ timeoutMs: 60_000 });
      const { lines } = await stack.api.request('getLogs', { params: { id: run.id } });
      expect(run.state, lines.map((l) => l.text).join('\n')).toBe('finished');
      return lines.map((l) => l.text);
    }

    beforeAll(async () => {
      chmodSync(shared.path, 0o711);
      execFileSync('groupadd', [group]);
      execFileSync('useradd', ['--create-home', '--home-dir', home, '--groups', group, user]);
      created = true;
      uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
      extraGid = Number(
        execFileSync('getent', ['group', group], { encoding: 'utf8' }).split(':')[2],
      );
      writeFileSync(rootSecret, 'root only', { mode: 0o600 });
      stack = await startStack();
      mkdirSync(join(agentHome.path, 'config'), { mode: 0o700 });
      writeFileSync(configFile, JSON.stringify({ baseUrl: stack.url, apiKey: stack.apiKey }), {
        mode: 0o600,
      });
      mkdirSync(repos);
      await stack.api.request('createQueue', { body: { name: 'as-user' } });
      agent = spawnTminus(
        [
          'agent',
          '-q',
          'as-user',
          '--run-as',
          user,
          '--work-dir',
          workDir,
          '--allow-local-repo',
          repos,
        ],
        agentEnv(),
      );
      await agent.waitFor('polling on queues');
    });
    afterAll(async () => {
      await agent?.kill();
      await stack?.close();
      if (created) {
        execFileSync('userdel', [user]);
        execFileSync('groupdel', [group]);
      }
      shared.remove();
      agentHome.remove();
    });

    it('a run executes as the user, with its groups and HOME, and cannot read the agent’s key, a root-only file or the database', async () => {
      expect(agent!.output()).not.toContain('warning: this agent runs as root');

      const code = join(agentHome.path, 'code');
      mkdirSync(code);
      writeFileSync(join(code, 'probe.py'), PROBE);
      const job = await uploadCodeJob(stack.api, code, {
        project: 'p',
        name: 'probe',
        entrypoint: ['python3', 'probe.py'],
      });
      const lines = await logsOf(job.ref);
      expect(lines).toEqual(
        expect.arrayContaining([
          `uid=${uid}`,
          `home=${home}`,
          `user=${user}`,
          'read_agent_config=denied',
          'read_root_secret=denied',
          'read_database=denied',
          'list_work_dir=denied',
          'write_own_dir=allowed',
          `source_owner=${uid}`,
          'config_file={}',
        ]),
      );
      const groups = lines.find((l) => l.startsWith('groups='))!.slice('groups='.length);
      expect(groups.split(',').map(Number)).toContain(extraGid);
      expect(groups.split(',').map(Number)).not.toContain(0);
    });

    it('a git job’s checkout is the user’s own: git works in it', async () => {
      const repo = createGitRepo(join(repos, 'probe'));
      const commit = repo.commit({ 'main.py': GIT_PROBE });
      const created = await stack.api.request('createJob', {
        body: {
          project: 'p',
          name: 'git-probe',
          source: { type: 'git', remote: repo.path, commit, entrypoint: ['main.py'] },
        },
      });
      expect(await logsOf(created.job.ref)).toEqual(
        expect.arrayContaining([`head=${commit}`, 'clean=True', `uid=${uid}`]),
      );
    });

    it('tminus up --run-as runs its local agent’s programs as the user', async () => {
      const up = await startUp(['--run-as', user, '--work-dir', join(shared.path, 'up-runs')]);
      try {
        const code = join(shared.path, 'up-code');
        mkdirSync(code);
        writeFileSync(join(code, 'whoami.py'), 'import os\nprint("uid=%d" % os.getuid())\n');
        const job = await uploadCodeJob(up.api, code, {
          project: 'p',
          name: 'whoami',
          entrypoint: ['python3', 'whoami.py'],
        });
        const queued = await launchAdd({ api: up.api, job: job.ref, queueName: 'default' });
        const run = await queued.waitUntilFinished({ timeoutMs: 60_000 });
        const { lines } = await up.api.request('getLogs', { params: { id: run.id } });
        expect(lines.map((l) => l.text)).toContain(`uid=${uid}`);
        expect(up.output()).not.toContain('warning: this agent runs as root');
      } finally {
        await up.stop();
      }
    });

    it('an agent running as root without --run-as warns what a run can read and how to fix it', async () => {
      const asRoot = spawnTminus(['agent', '-q', 'default'], agentEnv());
      try {
        await asRoot.waitFor('polling on queues');
        expect(asRoot.output()).toContain(
          "warning: this agent runs as root and has no --run-as, so every run executes as root: a program can read and change anything on this machine, including this agent's API key (~/.config/tminus/config.json)",
        );
        expect(asRoot.output()).toContain('Start the agent with --run-as USER');
      } finally {
        await asRoot.kill();
      }
    });

    it('a non-root agent given --run-as another user fails at start: it cannot switch users', () => {
      const result = spawnSync(
        'setpriv',
        [
          `--reuid=${uid}`,
          `--regid=${uid}`,
          '--clear-groups',
          '--',
          process.execPath,
          CLI,
          'agent',
          '-q',
          'default',
          '--run-as',
          'root',
        ],
        {
          encoding: 'utf8',
          env: {
            PATH: process.env.PATH,
            HOME: home,
            TMINUS_BASE_URL: stack.url,
            TMINUS_API_KEY: 'x',
          },
        },
      );
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(
        `error: --run-as root: this agent runs as uid ${uid}, not root, so it cannot start programs as another user`,
      );
      expect(result.stderr).toMatch(/^hint: Start the agent as root/m);
    });

    it('an unknown user, or a work dir the user cannot reach, fails at start saying what to do', async () => {
      const unknown = await runCli(
        ['agent', '-q', 'default', '--run-as', `no-such-${suffix}`],
        agentEnv(),
      );
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain(`there is no user "no-such-${suffix}" on this machine`);
      const unreachable = join(agentHome.path, 'runs');
      const blocked = await runCli(
        ['agent', '-q', 'default', '--run-as', user, '--work-dir', unreachable],
        agentEnv(),
      );
      expect(blocked.code).toBe(2);
      expect(blocked.stderr).toContain(
        `error: --run-as ${user}: runs could not reach their directories in ${unreachable}, because ${user} cannot enter ${agentHome.path}`,
      );
      expect(blocked.stderr).toMatch(/^hint: Pass --work-dir DIR/m);
    });
  },
);
