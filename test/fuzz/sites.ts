/**
 * @module The places in a valid value where a mutation can go: every field (present or not), array
 * item and record value, each with the shape the schema expects there. Union options are told apart
 * by which one the value fits.
 */
import type { Shape } from './schema-shape.js';

export type Path = readonly (string | number)[];

export interface Site {
  readonly path: Path;
  /** What the schema expects here. */
  readonly shape: Shape;
  /** The value is there (an optional field may be absent). */
  readonly present: boolean;
  /** A field of an object: `missing-field` may delete it. */
  readonly field: boolean;
  /** The field may be left out. */
  readonly optional: boolean;
}

/** Items of an array visited (the first few: the rest look alike). */
const ITEMS_VISITED = 2;

export function sitesOf(shape: Shape, value: unknown, path: Path = []): Site[] {
  const here: Site = { path, shape, present: true, field: false, optional: false };
  return [here, ...inside(shape, value, path)];
}

function inside(shape: Shape, value: unknown, path: Path): Site[] {
  switch (shape.kind) {
    case 'object': {
      if (!isObject(value)) return [];
      const out: Site[] = [];
      for (const [key, field] of Object.entries(shape.fields)) {
        const at = [...path, key];
        if (key in value) {
          out.push({
            path: at,
            shape: field.shape,
            present: true,
            field: true,
            optional: field.optional,
          });
          out.push(...inside(field.shape, value[key], at));
        } else {
          out.push({ path: at, shape: field.shape, present: false, field: true, optional: true });
        }
      }
      return out;
    }
    case 'array':
      return Array.isArray(value)
        ? value
            .slice(0, ITEMS_VISITED)
            .flatMap((item, i) => sitesOf(shape.item, item, [...path, i]))
        : [];
    case 'record':
      return isObject(value)
        ? Object.entries(value).flatMap(([k, v]) => sitesOf(shape.value, v, [...path, k]))
        : [];
    case 'union': {
      const option = shape.options.find((o) => fits(o, value));
      return option === undefined ? [] : inside(option, value, path);
    }
    case 'nullable':
      return value === null ? [] : inside(shape.inner, value, path);
    case 'string':
    case 'number':
    case 'boolean':
    case 'enum':
    case 'unknown':
      return [];
  }
}

/** Whether `value` has the structure of `shape` (enough to tell union options apart). */
export function fits(shape: Shape, value: unknown): boolean {
  switch (shape.kind) {
    case 'string':
      return shape.schema.safeParse(value).success;
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'enum':
      return shape.values.includes(value as never);
    case 'object':
      return (
        isObject(value) &&
        Object.entries(shape.fields).every(([k, f]) =>
          k in value ? fits(f.shape, value[k]) : f.optional,
        )
      );
    case 'array':
      return Array.isArray(value) && value.every((item) => fits(shape.item, item));
    case 'record':
      return isObject(value) && Object.values(value).every((v) => fits(shape.value, v));
    case 'union':
      return shape.options.some((o) => fits(o, value));
    case 'nullable':
      return value === null || fits(shape.inner, value);
    case 'unknown':
      return true;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A copy of `root` with `value` at `path` (objects and arrays along the path are copied). */
export function setAt(root: unknown, path: Path, value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (Array.isArray(root)) {
    const copy = [...(root as unknown[])];
    copy[Number(head)] = setAt(copy[Number(head)], rest, value);
    return copy;
  }
  const copy: Record<string, unknown> = isObject(root) ? { ...root } : {};
  Object.defineProperty(copy, head, {
    value: setAt(copy[head], rest, value),
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

/** A copy of `root` without the key at `path`. */
export function deleteAt(root: unknown, path: Path): unknown {
  const parent = path.slice(0, -1);
  const key = path[path.length - 1];
  if (key === undefined) return undefined;
  const holder = getAt(root, parent);
  if (!isObject(holder)) return root;
  const copy = { ...holder };
  delete copy[String(key)];
  return setAt(root, parent, copy);
}

export function getAt(root: unknown, path: Path): unknown {
  let at: unknown = root;
  for (const key of path) {
    if (Array.isArray(at)) at = (at as unknown[])[Number(key)];
    else if (isObject(at)) at = at[String(key)];
    else return undefined;
  }
  return at;
}
