import { describe, expect, it } from 'vitest';
import { peekPubsub, PS_MESSAGE, PS_NONE, PS_SSUBSCRIBE, PS_SUBSCRIBE, PS_UNSUBSCRIBE } from './pubsub-frame';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('peekPubsub', () => {
  it('reads RESP2 and RESP3 (un)subscribe confirmations with their count', () => {
    expect(peekPubsub(b('*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n'))).toEqual({ kind: PS_SUBSCRIBE, count: 1 });
    expect(peekPubsub(b('>3\r\n$10\r\npsubscribe\r\n$3\r\np:*\r\n:12\r\n'))).toEqual({ kind: PS_SUBSCRIBE, count: 12 });
    expect(peekPubsub(b('*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n'))).toEqual({ kind: PS_UNSUBSCRIBE, count: 0 });
    expect(peekPubsub(b('>3\r\n$12\r\npunsubscribe\r\n_\r\n:0\r\n'))).toEqual({ kind: PS_UNSUBSCRIBE, count: 0 });
    expect(peekPubsub(b('>3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n'))).toEqual({ kind: PS_SSUBSCRIBE, count: 1 });
  });

  it('recognises messages without reading the payload', () => {
    expect(peekPubsub(b('*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n')).kind).toBe(PS_MESSAGE);
    expect(peekPubsub(b('>4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$1\r\nc\r\n$1\r\nx\r\n')).kind).toBe(PS_MESSAGE);
  });

  it('leaves ordinary replies alone', () => {
    expect(peekPubsub(b('*2\r\n$4\r\npong\r\n$0\r\n\r\n')).kind).toBe(PS_NONE);
    expect(peekPubsub(b('+OK\r\n')).kind).toBe(PS_NONE);
    expect(peekPubsub(b('*1\r\n$9\r\nsubscribe\r\n')).kind).toBe(PS_NONE);
    expect(peekPubsub(b('*2\r\n:1\r\n:2\r\n')).kind).toBe(PS_NONE);
  });
});
