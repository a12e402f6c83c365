import { PrepareError } from '../runners/prepare-error.js';
import type { Builder } from './builder.js';

/** W&B's `noop` builder: images are used as given; a job that needs a build fails, saying why. */
export const noopBuilder: Builder = {
  type: 'noop',
  build(request) {
    return Promise.reject(
      new PrepareError(
        `The job ${request.jobPath} needs an image built from its source, but this agent's builder is "noop". Set builder: {type: docker} in the launch config (jobs from git repositories and code need a builder; jobs from images do not)`,
        'no_builder',
        'build',
      ),
    );
  },
};
