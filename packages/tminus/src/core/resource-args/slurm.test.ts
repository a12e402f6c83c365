import { describe, expect, it } from 'vitest';

import { resourceArgsProblem } from './index.js';
import { slurmArgsProblem, slurmOptions } from './slurm.js';

describe('resource_args.slurm', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['nothing', {}, []],
    [
      'every option, in a fixed order',
      {
        exclusive: true,
        qos: 'normal',
        account: 'ml-team',
        gpus: 'a100:2',
        gres: 'gpu:a100:2',
        mem: '16G',
        'cpus-per-task': 4,
        ntasks: 2,
        nodes: '1-2',
        time: '2-00:00:00',
        partition: 'gpu,gpu-long',
      },
      [
        '--partition=gpu,gpu-long',
        '--time=2-00:00:00',
        '--nodes=1-2',
        '--ntasks=2',
        '--cpus-per-task=4',
        '--mem=16G',
        '--gres=gpu:a100:2',
        '--gpus=a100:2',
        '--account=ml-team',
        '--qos=normal',
        '--exclusive',
      ],
    ],
    [
      'numbers as numbers',
      { time: 90, mem: 4096, nodes: 2, gpus: 1 },
      ['--time=90', '--nodes=2', '--mem=4096', '--gpus=1'],
    ],
    [
      'whole numbers as strings (a template variable)',
      { 'cpus-per-task': '8' },
      ['--cpus-per-task=8'],
    ],
    ['exclusive false is no option', { exclusive: false }, []],
    ['minutes:seconds', { time: '0:30' }, ['--time=0:30']],
  ])('%s', (_name, args, options) => {
    expect(slurmArgsProblem(args)).toBeUndefined();
    expect(slurmOptions(args)).toEqual(options);
  });

  it.each<[Record<string, unknown>, string]>([
    [
      { array: '1-10' },
      'resource_args["slurm"].array is refused: job arrays are not supported: one run is one Slurm job',
    ],
    [{ wrap: 'python train.py' }, 'resource_args["slurm"].wrap is refused'],
    [
      { output: '/tmp/x.out' },
      'resource_args["slurm"].output is refused: tminus sets --output itself',
    ],
    [
      { 'job-name': 'x' },
      'resource_args["slurm"].job-name is refused: tminus sets --job-name itself',
    ],
    [
      { cpus: 4 },
      'resource_args["slurm"].cpus is not an option tminus passes to sbatch; it accepts partition, time, nodes, ntasks, cpus-per-task, mem, gres, gpus, account, qos, exclusive',
    ],
    [{ cpus_per_task: 4 }, 'resource_args["slurm"].cpus_per_task is not an option'],
    [{ partition: 'gpu; rm -rf /' }, 'resource_args["slurm"].partition must be a partition name'],
    [{ partition: '--uid=0' }, 'resource_args["slurm"].partition must be a partition name'],
    [{ partition: 7 }, 'resource_args["slurm"].partition must be a partition name'],
    [{ time: '1 hour' }, 'resource_args["slurm"].time must be a time limit as sbatch reads it'],
    [{ time: -5 }, 'resource_args["slurm"].time must be a time limit'],
    [{ nodes: 0 }, 'resource_args["slurm"].nodes must be a number of nodes'],
    [
      { ntasks: 1.5 },
      'resource_args["slurm"].ntasks must be a number of tasks (a whole number of at least 1); got 1.5',
    ],
    [
      { 'cpus-per-task': 0 },
      'resource_args["slurm"].cpus-per-task must be a number of CPUs per task',
    ],
    [{ mem: '16 GB' }, 'resource_args["slurm"].mem must be memory per node'],
    [{ mem: '16G\n--uid=0' }, 'resource_args["slurm"].mem must be memory per node'],
    [{ gres: 'gpu:2 --x' }, 'resource_args["slurm"].gres must be generic resources'],
    [{ gpus: 0 }, 'resource_args["slurm"].gpus must be a number of GPUs'],
    [{ account: '' }, 'resource_args["slurm"].account must be an account name'],
    [{ qos: 'high priority' }, 'resource_args["slurm"].qos must be a quality of service name'],
    [{ exclusive: 'yes' }, 'resource_args["slurm"].exclusive must be true'],
    [{ mem: null }, 'resource_args["slurm"].mem must be memory per node'],
  ])('refuses %j', (args, message) => {
    expect(slurmArgsProblem(args)).toContain(message);
  });

  it('is what the server checks for a queue whose resource is slurm', () => {
    expect(resourceArgsProblem('slurm', { mem: '4G' })).toBeUndefined();
    expect(resourceArgsProblem('slurm', { array: '0-3' })).toContain('array is refused');
    expect(resourceArgsProblem('slurm', ['--mem=4G'])).toContain('must be an object');
  });
});
