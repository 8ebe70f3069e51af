/**
 * A migration run's events as Server-Sent Events (`text/event-stream`): each event as
 * `id: <seq>`, `event: <type>`, `data: <json>`, first those after `after`, then live. A
 * client that reconnects sends `Last-Event-ID` (browsers do it themselves) and misses
 * nothing: the stream always reads from the table after the last id it sent, and a live
 * event only wakes it up. A comment line every 15 s keeps proxies from closing it.
 */
import type { MigrationEvent } from '@/lib/workflow/schema';

const PAGE = 500;
const KEEPALIVE_MS = 15_000;

export interface EventSource {
  events(id: string, after: number, limit: number): Promise<{ events: MigrationEvent[] }>;
  onEvent(id: string, wake: () => void): () => void;
}

export function formatEvent(e: MigrationEvent): string {
  return `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

export function eventStream(source: EventSource, runId: string, after: number, signal?: AbortSignal): Response {
  const enc = new TextEncoder();
  let last = after;
  let closed = false;
  let pumping: Promise<void> | null = null;
  let again = false;
  let unsubscribe = () => {};
  let keepalive: NodeJS.Timeout | undefined;

  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const close = () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        clearInterval(keepalive);
        try {
          controller.close();
        } catch {
          // already closed by the consumer
        }
      };
      const pump = async (): Promise<void> => {
        if (pumping) {
          again = true;
          return pumping;
        }
        pumping = (async () => {
          do {
            again = false;
            for (;;) {
              const { events } = await source.events(runId, last, PAGE);
              if (closed) return;
              for (const e of events) {
                controller.enqueue(enc.encode(formatEvent(e)));
                last = e.seq;
              }
              if (events.length < PAGE) break;
            }
          } while (again && !closed);
        })()
          .catch(() => close())
          .finally(() => (pumping = null));
        return pumping;
      };
      controller.enqueue(enc.encode('retry: 2000\n\n'));
      unsubscribe = source.onEvent(runId, () => void pump());
      keepalive = setInterval(() => {
        if (!closed) controller.enqueue(enc.encode(': keepalive\n\n'));
      }, KEEPALIVE_MS);
      keepalive.unref();
      signal?.addEventListener('abort', close, { once: true });
      void pump();
    },
    cancel() {
      closed = true;
      unsubscribe();
      clearInterval(keepalive);
    },
  });
  return new Response(stream, {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' },
  });
}
