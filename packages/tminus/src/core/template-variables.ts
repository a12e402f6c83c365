/**
 * @module Queue template variables: validate the values a launch supplies against the queue's
 * schemas and substitute them into the queue's `{{name}}` placeholders. Pure.
 */
import type { JsonObject, TemplateVariableSchema } from '@tminus/sdk/protocol';

/**
 * W&B's `launch_add`: the template variables in the launch spec (`config.template_variables`) under
 * the ones given on their own (`templateVariables`, `--set-var`), which win key by key.
 */
export function mergeTemplateValues(
  fromSpec: unknown,
  given: Readonly<JsonObject> | undefined,
): JsonObject {
  const base =
    typeof fromSpec === 'object' && fromSpec !== null && !Array.isArray(fromSpec)
      ? (fromSpec as JsonObject)
      : {};
  return { ...base, ...given };
}

export type TemplateResult =
  | { ok: true; values: Record<string, string | number> }
  | { ok: false; message: string; variable: string };

/** Validates supplied values (strings are converted for numeric variables) and fills defaults. */
export function resolveTemplateValues(
  queueName: string,
  schemas: Readonly<Record<string, TemplateVariableSchema>>,
  supplied: Readonly<Record<string, unknown>>,
): TemplateResult {
  const values: Record<string, string | number> = {};
  for (const [name, raw] of Object.entries(supplied)) {
    const schema = schemas[name];
    if (schema === undefined) {
      const known = Object.keys(schemas);
      return {
        ok: false,
        variable: name,
        message: `Queue ${queueName} does not support overriding ${name}.${known.length ? ` Its template variables: ${known.join(', ')}.` : ' It has no template variables.'}`,
      };
    }
    const checked = checkValue(name, schema, raw);
    if (typeof checked === 'object') return checked;
    values[name] = checked;
  }
  for (const [name, schema] of Object.entries(schemas)) {
    if (values[name] === undefined && schema.default !== undefined) values[name] = schema.default;
  }
  return { ok: true, values };
}

function checkValue(
  name: string,
  schema: TemplateVariableSchema,
  raw: unknown,
): string | number | { ok: false; message: string; variable: string } {
  const fail = (message: string) => ({ ok: false as const, message, variable: name });
  if (schema.type === 'string') {
    if (typeof raw !== 'string' && typeof raw !== 'number')
      return fail(`Value for ${name} must be of type string.`);
    const value = String(raw);
    if (schema.enum && !schema.enum.includes(value)) {
      return fail(
        `Value for ${name} must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}; got ${JSON.stringify(value)}.`,
      );
    }
    return value;
  }
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (schema.type === 'integer' && !Number.isInteger(value))
  ) {
    return fail(`Value for ${name} must be of type ${schema.type}; got ${JSON.stringify(raw)}.`);
  }
  if (schema.minimum !== undefined && value < schema.minimum)
    return fail(`Value for ${name} must be at least ${schema.minimum}; got ${value}.`);
  if (schema.maximum !== undefined && value > schema.maximum)
    return fail(`Value for ${name} must be at most ${schema.maximum}; got ${value}.`);
  return value;
}

const WHOLE = /^\{\{\s*([\w.-]+)\s*\}\}$/;
const PART = /\{\{\s*([\w.-]+)\s*\}\}/g;

/**
 * Replaces `{{name}}` in every string of `config`. A string that is only a placeholder takes the
 * value's type (so `"{{gpus}}"` becomes the number 2); placeholders without a value stay as they are.
 */
export function substituteTemplate(
  config: unknown,
  values: Readonly<Record<string, string | number>>,
): unknown {
  if (typeof config === 'string') {
    const whole = WHOLE.exec(config)?.[1];
    if (whole !== undefined && values[whole] !== undefined) return values[whole];
    return config.replace(PART, (match, name: string) =>
      values[name] === undefined ? match : String(values[name]),
    );
  }
  if (Array.isArray(config)) return config.map((v) => substituteTemplate(v, values));
  if (config !== null && typeof config === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(config)) out[k] = substituteTemplate(v, values);
    return out;
  }
  return config;
}

/** The `{{name}}` placeholders left in `config` (after substitution), in order of appearance. */
export function placeholdersIn(config: unknown, found = new Set<string>()): Set<string> {
  if (typeof config === 'string') for (const m of config.matchAll(PART)) found.add(m[1]!);
  else if (Array.isArray(config)) for (const v of config) placeholdersIn(v, found);
  else if (config !== null && typeof config === 'object')
    for (const v of Object.values(config)) placeholdersIn(v, found);
  return found;
}

/**
 * A placeholder the launch left unfilled would reach the runner as the literal text `{{gpus}}`: an
 * error at enqueue, naming the variable — one the queue declares and the launch did not give (and
 * that has no default), or one the queue's config uses without declaring it.
 */
export function unfilledTemplateProblem(
  queueName: string,
  schemas: Readonly<Record<string, TemplateVariableSchema>>,
  filledConfig: unknown,
): { message: string; hint: string; variable: string } | undefined {
  const [variable] = placeholdersIn(filledConfig);
  if (variable === undefined) return undefined;
  if (schemas[variable] !== undefined)
    return {
      variable,
      message: `Queue ${queueName} needs a value for its template variable ${variable} (it has no default)`,
      hint: `Pass it: --set-var ${variable}=… on the command line, templateVariables: { ${JSON.stringify(variable)}: … } from the SDK.`,
    };
  return {
    variable,
    message: `Queue ${queueName}'s config uses {{${variable}}}, which is not one of its template variables, so no launch can fill it in`,
    hint: `Its admin must declare ${variable} (tminus queue create … --template-variables) or remove the placeholder from the queue's config.`,
  };
}
