/**
 * Streamed exports (CSV or JSON Lines) over keyset pages: one page is read only when the
 * consumer has taken the previous one (pull-based ReadableStream), so memory stays bounded
 * whatever the row count.
 */
import { csvRow, type KeyJson } from './keys';

export type ExportFormat = 'csv' | 'jsonl';

export interface ExportSource<R extends { key: KeyJson }, C> {
  format: ExportFormat;
  /** CSV header; `key` is written as text with `key_encoding` (utf8 or base64) beside it. */
  columns: string[];
  /** Rows strictly after the cursor, in cursor order, and the new cursor. */
  page(after: C): Promise<{ rows: R[]; last: C }>;
  start?: C;
}

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

export function exportStream<R extends { key: KeyJson }, C = bigint>(src: ExportSource<R, C>): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let cursor = (src.start ?? 0n) as C;
  let headerSent = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headerSent && src.format === 'csv') {
          headerSent = true;
          controller.enqueue(enc.encode(csvRow(src.columns)));
          return;
        }
        const { rows, last } = await src.page(cursor);
        if (rows.length === 0) {
          controller.close();
          return;
        }
        cursor = last;
        const text = src.format === 'csv' ? rows.map((r) => csvLine(r, src.columns)).join('') : rows.map((r) => JSON.stringify(r) + '\n').join('');
        controller.enqueue(enc.encode(text));
      },
    },
    // One page in flight at a time.
    { highWaterMark: 1 },
  );
}

function csvLine(r: { key: KeyJson } & Record<string, unknown>, columns: string[]): string {
  const binary = typeof r.key !== 'string';
  const keyText = typeof r.key === 'string' ? r.key : r.key.$base64;
  return csvRow(columns.map((c) => (c === 'key' ? keyText : c === 'key_encoding' ? (binary ? 'base64' : 'utf8') : r[c])));
}

/** The HTTP response of an export: streamed, downloadable, never cached. */
export function exportResponse(stream: ReadableStream<Uint8Array>, format: ExportFormat, filename: string): Response {
  return new Response(stream, {
    status: 200,
    headers: {
      'content-type': EXPORT_CONTENT_TYPES[format],
      'content-disposition': `attachment; filename="${filename}.${format}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}
