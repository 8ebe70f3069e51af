/**
 * How binary-safe Redis keys leave the server: JSON as a UTF-8 string or {"$base64": ...}
 * (the respToJson convention), CSV as text plus an encoding column.
 */
import { isUtf8 } from 'node:buffer';

export type KeyJson = string | { $base64: string };

/** Drivers hand BYTEA back as Buffer (pg) or Uint8Array (PGlite, Prisma). */
export function toBuffer(b: Uint8Array | Buffer): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

export function keyToJson(key: Uint8Array): KeyJson {
  const b = toBuffer(key);
  return isUtf8(b) ? b.toString('utf8') : { $base64: b.toString('base64') };
}

/** A CSV-ready pair: the key as text and how it is encoded (`utf8` or `base64`). */
export function keyForCsv(key: Uint8Array): [string, 'utf8' | 'base64'] {
  const b = toBuffer(key);
  return isUtf8(b) ? [b.toString('utf8'), 'utf8'] : [b.toString('base64'), 'base64'];
}

/** RFC 4180 quoting: fields with a comma, quote, CR or LF are quoted, quotes doubled. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = v instanceof Date ? v.toISOString() : String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(fields: unknown[]): string {
  return fields.map(csvField).join(',') + '\r\n';
}
