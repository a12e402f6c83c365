/**
 * @module Pure parsing of CLI flag values: shell-split entry points, `--config` (file or JSON),
 * `--set-var k=v`, priorities.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { Priority, type PriorityName } from '@tminus/sdk/protocol';
import { parse as parseYaml } from 'yaml';

import { UsageError } from './usage-error.js';

/** Splits like a POSIX shell for the simple cases: whitespace, single and double quotes, backslash. */
export function shellSplit(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: '"' | "'" | undefined;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) current += text[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      started = true;
    } else if (c === '\\' && i + 1 < text.length) {
      current += text[++i];
      started = true;
    } else if (/\s/.test(c)) {
      if (started) out.push(current);
      current = '';
      started = false;
    } else {
      current += c;
      started = true;
    }
  }
  if (quote) throw new UsageError(`Unterminated ${quote} quote in "${text}"`);
  if (started) out.push(current);
  return out;
}

/** `--config`/`--resource-args`: a .json/.yaml/.yml file path, or inline JSON (W&B). */
export function parseJsonOrFile(
  value: string,
  what: 'config' | 'resource-args' | 'template-variables',
): Record<string, unknown> {
  let parsed: unknown;
  try {
    if (/\.(ya?ml)$/i.test(value)) parsed = parseYaml(readFileSync(value, 'utf8'));
    else if (/\.json$/i.test(value)) parsed = JSON.parse(readFileSync(value, 'utf8'));
    else parsed = JSON.parse(value);
  } catch (error) {
    throw new UsageError(
      `Invalid format for ${what}: ${error instanceof Error ? error.message : String(error)}`,
      `Pass a .json/.yaml file or inline JSON, e.g. '{"overrides": {"run_config": {"lr": 0.1}}}'.`,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(`Invalid format for ${what}: expected a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** `--set-var key=value`, repeatable (W&B's message on a bad one). */
export function parseSetVars(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const parts = value.split('=');
    if (parts.length !== 2 || !parts[0]) {
      throw new UsageError(
        `--set-var value must be in the format "--set-var key1=value1", instead got: ${value}`,
      );
    }
    out[parts[0]] = parts[1]!;
  }
  return out;
}

export function parsePriority(value: string): number {
  const level = Priority[value as PriorityName];
  if (level === undefined)
    throw new UsageError(`--priority must be one of critical, high, medium, low; got "${value}"`);
  return level;
}

/** A non-negative number (fractions allowed), e.g. hours or GiB. */
export function parseAmount(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new UsageError(`${flag} must be a number ≥ 0; got "${value}"`);
  return n;
}

export function parseInteger(value: string, flag: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${flag} must be an integer ≥ ${min}; got "${value}"`);
  return n;
}

/**
 * Default job names as W&B makes them: `job-<repo>`, `job-<dir>`, `job-<image without tag>`.
 * A local path is named after the directory it resolves to (`.` → the current directory's name).
 */
export function defaultJobName(
  kind: 'git' | 'code' | 'image',
  path: string,
  isLocal = kind === 'code',
): string {
  let base: string;
  if (kind === 'image')
    base = path
      .replace(/@.*$/, '')
      .replace(/:[^/:]+$/, '')
      .replace(/\//g, '_');
  else {
    const trimmed = isLocal ? resolve(path) : path.replace(/[/\\]+$/, '');
    base =
      trimmed
        .split(/[/\\:]/)
        .pop()
        ?.replace(/\.git$/, '') || 'job';
  }
  return `job-${base.replace(/[^A-Za-z0-9_.-]/g, '_')}`.slice(0, 64);
}
