import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { LaunchError } from '@tminus/sdk';

import { tempDir } from '../../../../test/helpers/temp.js';
import {
  loadLaunchConfig,
  parseLaunchConfig,
  resolveAgentConfig,
  unusedConfigNotice,
} from './launch-config.js';

describe('launch-config.yaml', () => {
  it.each([
    ['', { queues: [] }],
    [
      'builder:\n  type: docker\n  destination: reg.io/team/x\n  build-job-name: b\nregistry:\n  type: ecr\n  uri: 1.dkr.ecr/x\nenvironment:\n  type: aws\n  region: us-east-1\nsecure_mode: true\nmax_schedulers: -1\n',
      {
        queues: [],
        builder: { type: 'docker', destination: 'reg.io/team/x', 'build-job-name': 'b' },
        registry: { type: 'ecr', uri: '1.dkr.ecr/x' },
        environment: { type: 'aws', region: 'us-east-1' },
        secureMode: true,
        maxSchedulers: -1,
      },
    ],
    [
      'entity: team\nqueues: [a, b]\nmax_jobs: 4\nverbosity: 2\nstopped_run_timeout: 10\n',
      { entity: 'team', queues: ['a', 'b'], maxJobs: 4, verbosity: 2, stopGraceSeconds: 10 },
    ],
    ['queues:\n  - a\nqueue: legacy\n', { queues: ['a', 'legacy'] }],
    ['queue: only\n', { queues: ['only'] }],
    ['max_jobs: -1\n', { queues: [], maxJobs: -1 }],
    ['secret_env: [HF_TOKEN, AWS_*]\n', { queues: [], secretEnv: ['HF_TOKEN', 'AWS_*'] }],
    [
      'run_as: tminus-run\nwork_dir: runs\n',
      { queues: [], runAs: 'tminus-run', workDir: '/etc/tminus/runs' },
    ],
    [
      'allow_local_repos: [/srv/repos, ~/code, ../shared]\n',
      { queues: [], allowLocalRepos: ['/srv/repos', '~/code', '/etc/shared'] },
    ],
    ['slurm:\n', { queues: [], slurm: {} }],
    ['slurm: {}\n', { queues: [], slurm: {} }],
    ['slurm:\n  shared_dir: ../shared\n', { queues: [], slurm: { sharedDir: '/etc/shared' } }],
    ['kubernetes:\n', { queues: [], kubernetes: {} }],
    [
      'kubernetes:\n  kubeconfig: kube/config\n  context: gpu\n  namespace: ml-runs\n  code_pvc: {claim: tminus-code, mount_path: /mnt/tminus}\n',
      {
        queues: [],
        kubernetes: {
          kubeconfig: '/etc/tminus/kube/config',
          context: 'gpu',
          namespace: 'ml-runs',
          codeVolume: { claimName: 'tminus-code', mountPath: '/mnt/tminus' },
        },
      },
    ],
  ])('%j parses to %j', (yaml, expected) => {
    expect(parseLaunchConfig(yaml, '/etc/tminus/c.yaml')).toEqual(expected);
  });

  it.each([
    ['foo: 1\n', /c\.yaml: unknown key "foo"/],
    ['queues: [a]\nqueus: [b]\nbar: 2\n', /unknown keys "queus", "bar"/],
    ['max_jobs: -2\n', /max_jobs must be -1 \(unlimited\) or at least 1/],
    ['max_jobs: 0\n', /max_jobs must be -1 \(unlimited\) or at least 1/],
    ['max_jobs: 1.5\n', /max_jobs must be an integer/],
    ['max_jobs: many\n', /max_jobs must be an integer/],
    ['queue: [a, b]\n', /queue must be a queue name/],
    ['verbosity: 3\n', /verbosity/],
    ['builder:\n  type: podman\n', /builder\.type must be docker, kaniko or noop/],
    ['environment:\n  region: us-east-1\n', /environment\.type must be aws, gcp or azure/],
    ['secure_mode: yes please\n', /secure_mode must be true or false/],
    ['- a\n- b\n', /expected a mapping/],
    ['secret_env: HF_TOKEN\n', /secret_env must be a list of variable names/],
    ['allow_local_repos: /srv\n', /allow_local_repos must be a list of directories/],
    ['run_as: [a]\n', /run_as must be a user name/],
    ['secret_env: [HF-TOKEN]\n', /secret_env\.0 is not a variable name/],
    ['entity: x\n  queues: [a\n', /c\.yaml: not valid YAML at line \d/],
    ['slurm: /shared\n', /slurm must be a mapping, e.g. \{shared_dir: \/shared\/tminus\}/],
    ['slurm:\n  partition: gpu\n', /slurm has an unknown key "partition"/],
    ['kubernetes: gpu-cluster\n', /kubernetes must be a mapping, e\.g\. \{namespace: ml-runs/],
    ['kubernetes:\n  namespace: ML_Runs\n', /kubernetes\.namespace must be a namespace name/],
    [
      'kubernetes:\n  code_pvc: {claim: code, mount_path: mnt}\n',
      /kubernetes\.code_pvc\.mount_path must be an absolute path/,
    ],
    ['kubernetes:\n  cluster: x\n', /kubernetes has an unknown key "cluster"/],
  ])('%j is refused: %s', (yaml, message) => {
    let error: unknown;
    try {
      parseLaunchConfig(yaml, 'c.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LaunchError);
    expect((error as LaunchError).code).toBe('INVALID_ARGUMENT');
    expect((error as LaunchError).message).toMatch(message);
  });
});

describe('agent config resolution', () => {
  let tmp: ReturnType<typeof tempDir>;
  let file: string;
  beforeEach(() => {
    tmp = tempDir('launch-config');
    file = join(tmp.path, 'launch-config.yaml');
    writeFileSync(
      file,
      'entity: from-file\nqueues: [f1, f2]\nmax_jobs: 3\nverbosity: 1\nstopped_run_timeout: 30\n',
    );
  });
  afterEach(() => tmp.remove());

  it('uses W&B’s defaults without a file', () => {
    expect(resolveAgentConfig({ env: { HOME: tmp.path }, flags: {} })).toEqual({
      entity: undefined,
      queues: [],
      maxJobs: 1,
      verbosity: 0,
      stopGraceSeconds: 60,
      secretEnv: [],
      wandbCredentials: true,
      allowLocalRepos: [],
      runDirMaxAgeHours: 168,
      runDirMaxGiB: 20,
      maxSchedulers: 1,
      secureMode: false,
      files: [],
      unusedKeys: [],
    });
  });

  it('without -c reads W&B’s ~/.config/wandb/launch-config.yaml, then tminus’s own over it', () => {
    const env = { HOME: tmp.path };
    const wandb = join(tmp.path, '.config', 'wandb', 'launch-config.yaml');
    mkdirSync(dirname(wandb), { recursive: true });
    writeFileSync(wandb, 'entity: team\nqueues: [gpu]\nmax_jobs: 2\nbuilder:\n  type: noop\n');
    expect(resolveAgentConfig({ env, flags: {} })).toMatchObject({
      entity: 'team',
      queues: ['gpu'],
      maxJobs: 2,
      builder: { type: 'noop' },
      files: [wandb],
      unusedKeys: [],
    });
    const own = join(tmp.path, '.config', 'tminus', 'launch-config.yaml');
    mkdirSync(dirname(own), { recursive: true });
    writeFileSync(own, 'max_jobs: 4\nsecret_env: [HF_TOKEN]\n');
    expect(resolveAgentConfig({ env, flags: {} })).toMatchObject({
      entity: 'team',
      queues: ['gpu'],
      maxJobs: 4,
      secretEnv: ['HF_TOKEN'],
      files: [wandb, own],
    });
    // -c names the only file read.
    expect(resolveAgentConfig({ file, env, flags: {} })).toMatchObject({
      entity: 'from-file',
      files: [file],
    });
  });

  it('run directory retention: W&B has none; file < flags', () => {
    writeFileSync(file, 'queues: [q]\nrun_dir_max_age_hours: 24\nrun_dir_max_gib: 0.5\n');
    expect(resolveAgentConfig({ file, env: {}, flags: {} })).toMatchObject({
      runDirMaxAgeHours: 24,
      runDirMaxGiB: 0.5,
    });
    expect(
      resolveAgentConfig({ file, env: {}, flags: { runDirMaxAgeHours: 0, runDirMaxGiB: 3 } }),
    ).toMatchObject({ runDirMaxAgeHours: 0, runDirMaxGiB: 3 });
    expect(() => parseLaunchConfig('run_dir_max_gib: -1\n', 'c.yaml')).toThrow(
      /run_dir_max_gib must be a number of GiB/,
    );
  });

  it('names once what it keeps but does not use', () => {
    writeFileSync(file, 'queues: [q]\nsecure_mode: true\nregistry:\n  url: reg.io/x\n');
    const config = resolveAgentConfig({ file, env: {}, flags: {} });
    expect(config).toMatchObject({ secureMode: true, registry: { url: 'reg.io/x' } });
    expect(unusedConfigNotice(config)).toBe(
      'launch-config: secure_mode (no runner of this agent takes pod specs or container commands yet): kept, but not used by this agent',
    );
    writeFileSync(file, 'queues: [q]\n');
    expect(unusedConfigNotice(resolveAgentConfig({ file, env: {}, flags: {} }))).toBeUndefined();
  });

  it('file < env < flags', () => {
    expect(resolveAgentConfig({ file, env: {}, flags: {} })).toEqual({
      entity: 'from-file',
      queues: ['f1', 'f2'],
      maxJobs: 3,
      verbosity: 1,
      stopGraceSeconds: 30,
      secretEnv: [],
      wandbCredentials: true,
      allowLocalRepos: [],
      runDirMaxAgeHours: 168,
      runDirMaxGiB: 20,
      maxSchedulers: 1,
      secureMode: false,
      files: [file],
      unusedKeys: [],
    });
    const env = { WANDB_ENTITY: 'from-wandb-env', WANDB_LAUNCH_MAX_JOBS: '-1' };
    expect(resolveAgentConfig({ file, env, flags: {} })).toMatchObject({
      entity: 'from-wandb-env',
      maxJobs: -1,
    });
    expect(
      resolveAgentConfig({ file, env: { ...env, TMINUS_ENTITY: 'from-tminus-env' }, flags: {} }),
    ).toMatchObject({ entity: 'from-tminus-env' });
    const flags = {
      entity: 'from-flag',
      queues: ['q'],
      maxJobs: 8,
      verbosity: 2,
      stopGraceSeconds: 5,
    };
    expect(resolveAgentConfig({ file, env, flags })).toMatchObject({
      entity: 'from-flag',
      queues: ['q'],
      maxJobs: 8,
      verbosity: 2,
      stopGraceSeconds: 5,
      secretEnv: [],
      wandbCredentials: true,
      allowLocalRepos: [],
    });
  });

  it('a Slurm runner from the file or the flags; --slurm-shared-dir wins over the file’s', () => {
    expect(resolveAgentConfig({ env: {}, flags: {} }).slurm).toBeUndefined();
    expect(resolveAgentConfig({ env: {}, flags: { slurm: {} } }).slurm).toEqual({});
    writeFileSync(file, 'queues: [q]\nslurm:\n  shared_dir: /shared/a\n');
    expect(resolveAgentConfig({ file, env: {}, flags: {} }).slurm).toEqual({
      sharedDir: '/shared/a',
    });
    expect(resolveAgentConfig({ file, env: {}, flags: { slurm: {} } }).slurm).toEqual({
      sharedDir: '/shared/a',
    });
    expect(
      resolveAgentConfig({ file, env: {}, flags: { slurm: { sharedDir: '/shared/b' } } }).slurm,
    ).toEqual({ sharedDir: '/shared/b' });
  });

  it('a Kubernetes runner from the file or the flags; each flag wins over the file’s setting', () => {
    expect(resolveAgentConfig({ env: {}, flags: {} }).kubernetes).toBeUndefined();
    expect(resolveAgentConfig({ env: {}, flags: { kubernetes: {} } }).kubernetes).toEqual({});
    writeFileSync(file, 'queues: [q]\nkubernetes:\n  namespace: team-a\n  context: prod\n');
    expect(resolveAgentConfig({ file, env: {}, flags: {} }).kubernetes).toEqual({
      namespace: 'team-a',
      context: 'prod',
    });
    expect(
      resolveAgentConfig({ file, env: {}, flags: { kubernetes: { namespace: 'team-b' } } })
        .kubernetes,
    ).toEqual({ namespace: 'team-b', context: 'prod' });
  });

  it('secret variables and allowed repository directories add up from file and flags; --no-wandb-credentials withholds W&B’s', () => {
    writeFileSync(file, 'queues: [q]\nsecret_env: [HF_TOKEN]\nallow_local_repos: [repos]\n');
    expect(
      resolveAgentConfig({
        file,
        env: {},
        flags: { secretEnv: ['AWS_*'], wandbCredentials: false, allowLocalRepos: ['/srv'] },
      }),
    ).toMatchObject({
      secretEnv: ['HF_TOKEN', 'AWS_*'],
      wandbCredentials: false,
      allowLocalRepos: [join(tmp.path, 'repos'), '/srv'],
    });
  });

  it('--run-as and --work-dir win over the file’s run_as and work_dir', () => {
    writeFileSync(file, 'queues: [q]\nrun_as: from-file\nwork_dir: /srv/runs\n');
    expect(resolveAgentConfig({ file, env: {}, flags: {} })).toMatchObject({
      runAs: 'from-file',
      workDir: '/srv/runs',
    });
    expect(
      resolveAgentConfig({ file, env: {}, flags: { runAs: 'flag', workDir: '/w' } }),
    ).toMatchObject({ runAs: 'flag', workDir: '/w' });
  });

  it('an empty environment variable does not override the file', () => {
    expect(
      resolveAgentConfig({
        file,
        env: { TMINUS_ENTITY: '', WANDB_LAUNCH_MAX_JOBS: '' },
        flags: {},
      }),
    ).toMatchObject({ entity: 'from-file', maxJobs: 3 });
  });

  it('refuses a bad WANDB_LAUNCH_MAX_JOBS', () => {
    expect(() => resolveAgentConfig({ env: { WANDB_LAUNCH_MAX_JOBS: '-5' }, flags: {} })).toThrow(
      /WANDB_LAUNCH_MAX_JOBS must be -1/,
    );
    expect(() => resolveAgentConfig({ env: { WANDB_LAUNCH_MAX_JOBS: 'lots' }, flags: {} })).toThrow(
      /got "lots"/,
    );
  });

  it('an explicit config path that does not exist is an error', () => {
    const missing = join(tmp.path, 'nope.yaml');
    expect(() => loadLaunchConfig(missing)).toThrow(
      `Could not find the launch config file ${missing}`,
    );
  });
});
