import type { TemplateVariableSchema } from '@tminus/sdk/protocol';
import { describe, expect, it } from 'vitest';

import {
  mergeTemplateValues,
  resolveTemplateValues,
  substituteTemplate,
  unfilledTemplateProblem,
} from './template-variables.js';

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

describe('mergeTemplateValues', () => {
  it('takes the spec’s values under the given ones, key by key (W&B’s launch_add)', () => {
    expect(mergeTemplateValues({ gpus: 1, tier: 's' }, { gpus: 3 })).toEqual({
      gpus: 3,
      tier: 's',
    });
    expect(mergeTemplateValues(undefined, { gpus: 3 })).toEqual({ gpus: 3 });
    expect(mergeTemplateValues({ gpus: 1 }, undefined)).toEqual({ gpus: 1 });
    expect(mergeTemplateValues('not an object', undefined)).toEqual({});
  });
});

describe('unfilledTemplateProblem', () => {
  const schemas = { gpus: { type: 'integer' as const } };
  it('is nothing when every placeholder was filled', () => {
    expect(unfilledTemplateProblem('q', schemas, { gpus: 2, image: 'x:1' })).toBeUndefined();
  });
  it('names a declared variable the launch did not give', () => {
    expect(unfilledTemplateProblem('q', schemas, { n: [{ x: 'a{{ gpus }}' }] })).toMatchObject({
      variable: 'gpus',
      message: 'Queue q needs a value for its template variable gpus (it has no default)',
    });
  });
  it('names a placeholder the queue never declared', () => {
    expect(unfilledTemplateProblem('q', schemas, { image: 'x:{{tag}}' })).toMatchObject({
      variable: 'tag',
      message:
        "Queue q's config uses {{tag}}, which is not one of its template variables, so no launch can fill it in",
    });
  });
});
