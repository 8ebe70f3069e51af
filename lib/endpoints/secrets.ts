/**
 * Encrypts endpoint passwords at rest with AES-256-GCM. The key comes from configuration
 * (SECRET_KEY) or is generated once into the data folder with 0600 permissions. Stored form:
 * `enc:v1:<iv b64>:<tag b64>:<ciphertext b64>`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir } from '../private-dir';

const PREFIX = 'enc:v1:';

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the secret key must be 32 bytes');
  }

  /** Loads the key from the given value, or from/into `<dataDir>/secret.key`. */
  static open(opts: { key?: Buffer; dataDir: string }): { box: SecretBox; source: 'config' | 'file' | 'generated'; file?: string } {
    if (opts.key) return { box: new SecretBox(opts.key), source: 'config' };
    ensurePrivateDir(opts.dataDir);
    const file = path.join(opts.dataDir, 'secret.key');
    if (fs.existsSync(file)) {
      const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
      return { box: new SecretBox(key), source: 'file', file };
    }
    const key = crypto.randomBytes(32);
    // 'wx' fails if another process created it meanwhile: then read theirs.
    try {
      fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return SecretBox.open(opts);
      throw e;
    }
    return { box: new SecretBox(key), source: 'generated', file };
  }

  static isSealed(value: unknown): value is string {
    return typeof value === 'string' && value.startsWith(PREFIX);
  }

  seal(plain: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
  }

  open(sealed: string): string {
    if (!SecretBox.isSealed(sealed)) throw new Error('value is not sealed');
    const [iv, tag, ct] = sealed.slice(PREFIX.length).split(':');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv!, 'base64'));
    decipher.setAuthTag(Buffer.from(tag!, 'base64'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(ct!, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('cannot decrypt a stored password: the secret key differs from the one it was sealed with');
    }
  }
}
