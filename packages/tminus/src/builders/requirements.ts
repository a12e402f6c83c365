/**
 * @module What a Python job asks to install (pure): `[project].dependencies` of a pyproject.toml,
 * as W&B's builder reads them (the project itself is not installed: its source is copied and run).
 */
import { parse, TomlError } from 'smol-toml';

import { PrepareError } from '../runners/prepare-error.js';

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The dependencies a pyproject.toml declares (none when it declares no `[project]`). */
export function pyprojectDependencies(text: string, where: string): string[] {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text);
  } catch (error) {
    const why = error instanceof TomlError ? error.message.split('\n')[0] : String(error);
    throw new PrepareError(`${where} is not valid TOML: ${why}`, 'bad_pyproject', 'build');
  }
  const project = doc.project;
  if (typeof project !== 'object' || project === null) return [];
  const deps = (project as Record<string, unknown>).dependencies;
  if (deps === undefined) return [];
  if (
    !Array.isArray(deps) ||
    !deps.every((d): d is string => typeof d === 'string' && !CONTROL.test(d))
  )
    throw new PrepareError(
      `${where}: [project].dependencies must be a list of requirement strings`,
      'bad_pyproject',
      'build',
    );
  return deps.map((d) => d.trim()).filter((d) => d !== '');
}
