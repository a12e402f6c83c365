import { describe, expect, it } from 'vitest';

import { LineSplitter } from './line-splitter.js';

function split(chunks: string[], maxLine?: number): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((l) => lines.push(l), maxLine);
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return lines;
}

describe('line splitter', () => {
  it.each<[string, string[], string[]]>([
    ['whole lines', ['a\nb\n'], ['a', 'b']],
    ['a line across chunks', ['hel', 'lo\nwor', 'ld\n'], ['hello', 'world']],
    ['a final line without a newline', ['a\nlast'], ['a', 'last']],
    ['CRLF', ['a\r\nb\r', '\n'], ['a', 'b']],
    ['empty lines are lines', ['\n\nx\n'], ['', '', 'x']],
    ['nothing', [], []],
    ['a lone CR stays inside a line', ['10%\r20%\n'], ['10%\r20%']],
  ])('%s', (_name, chunks, lines) => {
    expect(split(chunks)).toEqual(lines);
  });

  it('cuts long lines, terminated or not, at maxLine', () => {
    expect(split(['abcdefghij\n'], 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(split(['abcdef', 'ghij'], 4)).toEqual(['abcd', 'efgh', 'ij']);
  });

  it('cuts an unterminated line as it grows, not only at the end of the stream', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((l) => lines.push(l), 4);
    splitter.push('abcdefghi');
    expect(lines).toEqual(['abcd', 'efgh']);
  });

  it('does not cut a surrogate pair in half', () => {
    const lines = split(['abc😀def\n'], 4);
    expect(lines.join('')).toBe('abc😀def');
    expect(lines[0]).toBe('abc');
  });

  it('cuts at 64 KiB by default', () => {
    const lines = split(['x'.repeat(64 * 1024 * 2 + 5) + '\n']);
    expect(lines.map((l) => l.length)).toEqual([65536, 65536, 5]);
  });
});
