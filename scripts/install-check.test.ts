import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { missingInstall } from './install-check.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A checkout as `git clone` leaves it: the scripts, no node_modules, no generated client. */
function freshCheckout(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ri-fresh-'));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'scripts'));
  for (const f of ['test-all.mjs', 'install-check.mjs']) fs.copyFileSync(path.join(here, f), path.join(dir, 'scripts', f));
  return dir;
}

describe('npm test before npm ci', () => {
  it('says to run npm ci first and exits non-zero, instead of "0 passed, 1 failed"', () => {
    const dir = freshCheckout();
    const r = spawnSync(process.execPath, [path.join(dir, 'scripts', 'test-all.mjs')], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('run npm ci first');
    expect(r.stderr).toContain('node_modules/.bin/vitest');
    expect(r.stdout).not.toContain('passed');
  });

  it('names the Prisma client alone when only it is missing, and nothing on a ready checkout', () => {
    const dir = freshCheckout();
    fs.mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
    for (const b of ['vitest', 'playwright', 'next', 'tsx']) fs.writeFileSync(path.join(dir, 'node_modules', '.bin', b), '');
    expect(missingInstall(dir)).toEqual([expect.stringContaining('lib/db/generated/client.ts')]);
    expect(missingInstall(path.resolve(here, '..'))).toEqual([]);
  });
});
