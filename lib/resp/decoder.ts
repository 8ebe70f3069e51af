/**
 * RespDecoder: the streaming value decoder. `write(chunk)` any number of times; each
 * complete value goes to `onValue`, a protocol violation goes to `onError` once, after
 * which the decoder ignores input (the caller closes the connection; `reset()` reuses it).
 *
 * Two modes:
 * - 'reply' (default): full RESP2/RESP3 as servers send it. Framing is done by
 *   ReplyFramer (bounded, chunk-split safe); each complete frame is then parsed by
 *   FrameParser. Bulk strings are zero-copy views of the frame.
 * - 'request': what servers accept from clients (multibulk of bulks, or inline
 *   commands); each command comes out as `Buffer[]`.
 *
 * Attributes (`|`) are returned as RespAttribute(attrs, value) wrapping the value they
 * precede (`attributes: 'drop'` returns the bare value).
 *
 * Callbacks run synchronously inside `write` and must not throw: an exception would
 * escape `write` and lose the rest of that chunk.
 */
import { ReplyFramer, frameViews } from './framer';
import { FrameParser, type ParseOptions } from './parse';
import { RequestFramer } from './request';
import { RespProtocolError, type RespLimits, type RespValue } from './types';

export interface DecoderOptions extends Partial<RespLimits>, ParseOptions {
  mode?: 'reply' | 'request';
}

export class RespDecoder {
  private readonly framer: ReplyFramer | RequestFramer;

  constructor(
    onValue: (value: RespValue) => void,
    onError: (err: RespProtocolError) => void,
    opts: DecoderOptions = {},
  ) {
    const { mode = 'reply', attributes, ...limits } = opts;
    if (mode === 'request') {
      this.framer = new RequestFramer((cmd) => onValue(cmd.args()), onError, limits);
      return;
    }
    const parser = new FrameParser({ attributes });
    const framer = new ReplyFramer(
      frameViews((raw) => {
        let value: RespValue;
        try {
          value = parser.parse(raw);
        } catch (err) {
          // The framer checked the structure; this is a malformed scalar (e.g. a double).
          framer.stop();
          onError(err instanceof RespProtocolError ? err : new RespProtocolError(`Protocol error: ${(err as Error).message}`));
          return;
        }
        onValue(value);
      }),
      onError,
      limits,
    );
    this.framer = framer;
  }

  get failed(): boolean {
    return this.framer.failed;
  }

  /** Bytes held back waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return this.framer.bufferedBytes;
  }

  write(chunk: Buffer): void {
    this.framer.write(chunk);
  }

  reset(): void {
    this.framer.reset();
  }
}
