import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { OutputTail } from './output-tail.js';

const dir = mkdtempSync(join(tmpdir(), 'tminus-tail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function tail(offset = 0) {
  const path = join(dir, `out-${n++}`);
  const lines: string[] = [];
  return { path, lines, tail: new OutputTail(path, (l) => lines.push(l), offset) };
}

describe('output tail', () => {
  it('hands on complete lines as they are written, the last one at the end', async () => {
    const { path, lines, tail: t } = tail();
    expect(await t.read()).toBe(false); // not created yet
    writeFileSync(path, 'one\ntw');
    await t.read();
    expect(lines).toEqual(['one']);
    appendFileSync(path, 'o\r\nthree');
    await t.read();
    expect(lines).toEqual(['one', 'two']);
    t.end();
    expect(lines).toEqual(['one', 'two', 'three']);
  });

  it('keeps its offset after the last complete line, where a new reader resumes', async () => {
    const { path, lines, tail: t } = tail();
    writeFileSync(path, 'é1\nhalf');
    await t.read();
    expect(t.offset).toBe(Buffer.byteLength('é1\n'));
    appendFileSync(path, 'way\nlast\n');
    const resumed: string[] = [];
    const again = new OutputTail(path, (l) => resumed.push(l), t.offset);
    await again.read();
    again.end();
    expect(lines).toEqual(['é1']);
    expect(resumed).toEqual(['halfway', 'last']);
  });

  it('does not split a character written in two pieces', async () => {
    const { path, lines, tail: t } = tail();
    const bytes = Buffer.from('😀 ok\n');
    writeFileSync(path, bytes.subarray(0, 2));
    await t.read();
    appendFileSync(path, bytes.subarray(2));
    await t.read();
    t.end();
    expect(lines).toEqual(['😀 ok']);
  });
});
