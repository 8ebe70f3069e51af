import { describe, expect, it } from 'vitest';
import { exportStream } from './export';
import { csvField, keyForCsv, keyToJson } from './keys';

describe('exportStream', () => {
  it('reads one page per pull (backpressure), so memory does not grow with the row count', async () => {
    let pages = 0;
    const stream = exportStream<{ id: string; key: string }>({
      format: 'jsonl',
      columns: ['id', 'key'],
      page: async (after) => {
        pages++;
        if (after >= 1000n) return { rows: [], last: after };
        return { rows: [{ id: String(after + 1n), key: `k${after}` }], last: after + 1n };
      },
    });
    const reader = stream.getReader();
    await reader.read();
    await new Promise((r) => setTimeout(r, 20));
    // The first page plus at most one read ahead (highWaterMark 1).
    expect(pages).toBeLessThanOrEqual(2);
    let n = 1;
    while (!(await reader.read()).done) n++;
    expect(n).toBe(1000);
  });

  it('writes CSV with a header, RFC 4180 quoting, and binary keys as base64 with a marker', async () => {
    const bin = Buffer.from([0xff, 0x00, 0x2c]);
    const stream = exportStream({
      format: 'csv',
      columns: ['id', 'key', 'key_encoding', 'message'],
      page: async (after: bigint) =>
        after > 0n
          ? { rows: [], last: after }
          : { rows: [{ id: '1', key: keyToJson(Buffer.from('a,"b"')), message: 'line1\nline2' }, { id: '2', key: keyToJson(bin), message: 'x' }], last: 2n },
    });
    const text = await new Response(stream).text();
    expect(text).toBe('id,key,key_encoding,message\r\n1,"a,""b""",utf8,"line1\nline2"\r\n2,/wAs,base64,x\r\n');
  });
});

describe('key encoding', () => {
  it('keeps UTF-8 keys as text and binary keys as base64', () => {
    expect(keyToJson(Buffer.from('user:1'))).toBe('user:1');
    expect(keyToJson(Buffer.from([0xff]))).toEqual({ $base64: '/w==' });
    expect(keyForCsv(new Uint8Array([0xfe]))).toEqual(['/g==', 'base64']);
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField(null)).toBe('');
  });
});
