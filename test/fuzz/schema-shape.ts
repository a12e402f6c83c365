/**
 * @module What a zod 4 schema accepts, as a plain tree the fuzzer can walk: objects and their fields,
 * arrays with their bounds, strings (kept as their schema, to test candidates against), numbers with
 * their bounds, enums and literals, unions (discriminated or not), records, optional/default/nullable
 * wrappers and `z.coerce`. A schema kind the fuzzer does not know fails loudly, naming it.
 */
import { z } from 'zod';

export type Shape =
  | {
      readonly kind: 'string';
      readonly schema: z.ZodType;
      readonly min: number;
      readonly max: number | undefined;
    }
  | {
      readonly kind: 'number';
      readonly int: boolean;
      readonly min: number | undefined;
      readonly max: number | undefined;
      /** `z.coerce.number()`: a string on the wire (query parameters) is converted first. */
      readonly coerce: boolean;
    }
  | { readonly kind: 'boolean' }
  /** `z.enum` and `z.literal`: one of a few values. */
  | { readonly kind: 'enum'; readonly values: readonly Literal[] }
  | {
      readonly kind: 'object';
      readonly fields: Readonly<Record<string, Field>>;
      /** Unknown keys are kept (`z.looseObject`) rather than stripped. */
      readonly loose: boolean;
    }
  | {
      readonly kind: 'array';
      readonly item: Shape;
      readonly min: number;
      readonly max: number | undefined;
    }
  | { readonly kind: 'record'; readonly value: Shape }
  | { readonly kind: 'union'; readonly options: readonly Shape[] }
  | { readonly kind: 'nullable'; readonly inner: Shape }
  | { readonly kind: 'unknown' };

export type Literal = string | number | boolean | null;

export interface Field {
  readonly shape: Shape;
  /** The key may be left out (optional, or it has a default). */
  readonly optional: boolean;
}

export function shapeOf(schema: z.ZodType): Shape {
  return walk(schema).shape;
}

function walk(schema: z.ZodType): Field {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) {
    return { shape: walk(schema.unwrap() as z.ZodType).shape, optional: true };
  }
  if (schema instanceof z.ZodNullable) {
    const inner = walk(schema.unwrap() as z.ZodType);
    return { shape: { kind: 'nullable', inner: inner.shape }, optional: inner.optional };
  }
  return { shape: plain(schema), optional: false };
}

function plain(schema: z.ZodType): Shape {
  if (schema instanceof z.ZodString) {
    return {
      kind: 'string',
      schema,
      min: schema.minLength ?? 0,
      max: schema.maxLength ?? undefined,
    };
  }
  if (schema instanceof z.ZodNumber) {
    return {
      kind: 'number',
      int: schema.isInt,
      min: finite(schema.minValue),
      max: finite(schema.maxValue),
      coerce: schema._zod.def.coerce === true,
    };
  }
  if (schema instanceof z.ZodBoolean) return { kind: 'boolean' };
  if (schema instanceof z.ZodEnum) return { kind: 'enum', values: schema.options };
  if (schema instanceof z.ZodLiteral) {
    return { kind: 'enum', values: [...(schema.values as Set<Literal>)] };
  }
  if (schema instanceof z.ZodObject) {
    const fields: Record<string, Field> = {};
    for (const [key, value] of Object.entries(schema.shape)) fields[key] = walk(value as z.ZodType);
    const catchall = schema._zod.def.catchall;
    return {
      kind: 'object',
      fields,
      loose: catchall !== undefined && !(catchall instanceof z.ZodNever),
    };
  }
  if (schema instanceof z.ZodArray) {
    const bag = schema._zod.bag as { minimum?: number; maximum?: number };
    return {
      kind: 'array',
      item: walk(schema.element as z.ZodType).shape,
      min: bag.minimum ?? 0,
      max: bag.maximum,
    };
  }
  if (schema instanceof z.ZodRecord) {
    return { kind: 'record', value: walk(schema.valueType as z.ZodType).shape };
  }
  if (schema instanceof z.ZodUnion) {
    return { kind: 'union', options: schema.options.map((o) => walk(o as z.ZodType).shape) };
  }
  if (schema instanceof z.ZodUnknown || schema instanceof z.ZodAny) return { kind: 'unknown' };
  // `z.null()`: the one value null.
  if (schema instanceof z.ZodNull) return { kind: 'enum', values: [null] };
  throw new Error(
    `the fuzzer does not know zod schemas of type "${schema._zod.def.type}"; teach test/fuzz/schema-shape.ts`,
  );
}

function finite(value: number | null): number | undefined {
  return value === null || !Number.isFinite(value) ? undefined : value;
}
