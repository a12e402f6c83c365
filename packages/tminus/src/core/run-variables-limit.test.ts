import { describe, expect, it } from 'vitest';

import { MAX_RUN_VARIABLES_CHARS, runVariablesProblem } from './run-variables-limit.js';

/** A run config whose JSON is exactly `chars` characters long. */
const configOf = (chars: number) => ({ x: 'a'.repeat(chars - '{"x":""}'.length) });

describe('how much JSON a run may pass to its program', () => {
  it('up to 1 MiB of run config is passed (in WANDB_CONFIG_0..N)', () => {
    expect(runVariablesProblem({ overrides: { run_config: configOf(200_000) } })).toBeUndefined();
    expect(
      runVariablesProblem({ overrides: { run_config: configOf(MAX_RUN_VARIABLES_CHARS) } }),
    ).toBeUndefined();
  });

  it('more is refused, the limit named', () => {
    expect(
      runVariablesProblem({ overrides: { run_config: configOf(MAX_RUN_VARIABLES_CHARS + 1) } }),
    ).toBe(
      "The run config is 1,048,577 characters as JSON; a run's program receives at most 1,048,576 (1 MiB) in its environment (WANDB_CONFIG_0..N), what every runner can pass",
    );
  });

  it('non-ASCII characters count as W&B sends them (\\uXXXX, six characters each)', () => {
    const run_config = { x: 'ü'.repeat(MAX_RUN_VARIABLES_CHARS / 6) };
    expect(runVariablesProblem({ overrides: { run_config } })).toMatch(
      /^The run config is 1,048,58/,
    );
  });

  it('the run config and the file overrides count together', () => {
    const half = configOf(MAX_RUN_VARIABLES_CHARS / 2 + 10);
    expect(
      runVariablesProblem({ overrides: { run_config: half, files: { 'a.json': half } } }),
    ).toMatch(/^The run config and file overrides are 1,048,6\d\d characters as JSON/);
  });

  it('overrides.artifacts is one variable in W&B: 32,670 characters', () => {
    expect(runVariablesProblem({ overrides: { artifacts: { a: 'b'.repeat(40_000) } } })).toMatch(
      /^overrides\.artifacts is 40,008 characters as JSON; WANDB_ARTIFACTS holds at most 32,670/,
    );
  });
});
