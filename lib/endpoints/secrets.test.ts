import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secrets';

describe('SecretBox', () => {
  it('seals with AES-256-GCM and opens again; ciphertext differs each time', () => {
    const box = new SecretBox(crypto.randomBytes(32));
    const a = box.seal('p@ss');
    const b = box.seal('p@ss');
    expect(a).not.toBe(b);
    expect(a).not.toContain('p@ss');
    expect(SecretBox.isSealed(a)).toBe(true);
    expect(box.open(a)).toBe('p@ss');
  });

  it('detects tampering and a wrong key', () => {
    const box = new SecretBox(crypto.randomBytes(32));
    const sealed = box.seal('secret');
    const parts = sealed.split(':');
    parts[4] = Buffer.from('xxxxxx').toString('base64');
    expect(() => box.open(parts.join(':'))).toThrow(/cannot decrypt/);
    expect(() => new SecretBox(crypto.randomBytes(32)).open(sealed)).toThrow(/cannot decrypt/);
  });

  it('generates the key once into the data folder with 0600 permissions and reuses it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ri-secret-'));
    const first = SecretBox.open({ dataDir: dir });
    expect(first.source).toBe('generated');
    expect(fs.statSync(first.file!).mode & 0o777).toBe(0o600);
    const sealed = first.box.seal('x');
    const second = SecretBox.open({ dataDir: dir });
    expect(second.source).toBe('file');
    expect(second.box.open(sealed)).toBe('x');
  });
});
