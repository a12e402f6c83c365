/**
 * The runner contract on the local-process runner: programs on this machine, in process groups.
 */
import { localProcessRunner } from '../../packages/tminus/src/runners/local-process/local-process-runner.js';
import { describeRunnerContract } from '../helpers/runner-contract.js';

describeRunnerContract('local-process', () => ({
  runner: () => localProcessRunner,
  isRunning: (ref) => {
    try {
      process.kill(-Number(ref.id), 0);
      return Promise.resolve(true);
    } catch {
      return Promise.resolve(false);
    }
  },
}));
