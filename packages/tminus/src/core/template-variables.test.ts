import type { TemplateVariableSchema } from '@tminus/sdk/protocol';
import { describe, expect, it } from 'vitest';

import { resolveTemplateValues, substituteTemplate } from './template-variables.js';

const schemas = {
  gpus: { type: 'integer', minimum: 0, maximum: 8, default: 1 },
  lr: { type: 'number', minimum: 0 },
  tier: { type: 'string', enum: ['small', 'large'] },
} satisfies Record<string, TemplateVariableSchema>;

describe('resolveTemplateValues', () => {
  it.each([
    [{ gpus: 2 }, { gpus: 2 }],
    [{ gpus: '4' }, { gpus: 4 }],
    [
      { lr: '0.5', tier: 'large' },
      { gpus: 1, lr: 0.5, tier: 'large' },
    ],
    [{}, { gpus: 1 }],
  ])('accepts %j', (supplied, expected) => {
    const result = resolveTemplateValues('q', schemas, supplied);
    expect(result).toEqual({ ok: true, values: { ...{ gpus: 1 }, ...expected } });
  });

  it.each([
    [{ cpus: 1 }, 'cpus', 'Queue q does not support overriding cpus.'],
    [{ gpus: 1.5 }, 'gpus', 'must be of type integer'],
    [{ gpus: 'many' }, 'gpus', 'must be of type integer'],
    [{ gpus: 9 }, 'gpus', 'must be at most 8'],
    [{ gpus: -1 }, 'gpus', 'must be at least 0'],
    [{ tier: 'huge' }, 'tier', 'must be one of "small", "large"'],
  ])('rejects %j naming the variable and the rule', (supplied, variable, message) => {
    const result = resolveTemplateValues('q', schemas, supplied);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.variable).toBe(variable);
      expect(result.message).toContain(message);
    }
  });
});

describe('substituteTemplate', () => {
  it('keeps the value type for whole placeholders and interpolates inside strings', () => {
    const config = {
      gpus: '{{gpus}}',
      image: 'trainer:{{tier}}',
      nested: [{ x: '{{ missing }}' }],
    };
    expect(substituteTemplate(config, { gpus: 2, tier: 'large' })).toEqual({
      gpus: 2,
      image: 'trainer:large',
      nested: [{ x: '{{ missing }}' }],
    });
  });
});
