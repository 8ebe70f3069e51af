/**
 * Renders a RESP reply mapped to JSON (lib/resp/json.ts) the way redis-cli prints it:
 * numbered array items, `(integer)`, `(nil)`, maps as key ⇒ value, Redis error replies in
 * red, binary as base64 with its size. `raw` shows the JSON itself instead.
 */
'use client';

import { Box, Code, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import type { RespJson } from '@/lib/client/types';

export interface JsonViewProps {
  value: RespJson;
  raw?: boolean;
}

type Obj = { [k: string]: RespJson };

const mono = { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 'var(--mantine-font-size-sm)' } as const;

function isTagged(v: RespJson): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function base64Size(b64: string): number {
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.floor((b64.length * 3) / 4) - pad;
}

/** A one-line scalar, or null when the value needs nesting. */
function scalar(v: RespJson): ReactNode | null {
  if (v === null) return <Text span c="dimmed" inherit>(nil)</Text>;
  if (typeof v === 'string') return <Text span inherit>{JSON.stringify(v)}</Text>;
  if (typeof v === 'number') return <Text span c="blue" inherit>(integer) {v}</Text>;
  if (typeof v === 'boolean') return <Text span c="grape" inherit>({String(v)})</Text>;
  if (Array.isArray(v)) return v.length === 0 ? <Text span c="dimmed" inherit>(empty array)</Text> : null;
  if ('$error' in v) return <Text span c="red" fw={500} inherit data-testid="resp-error">(error) {String(v.$error)}</Text>;
  if ('$base64' in v) {
    const b = String(v.$base64);
    return (
      <Text span c="orange" inherit title={b}>
        (binary, {base64Size(b)} bytes) {b.length > 80 ? `${b.slice(0, 80)}…` : b}
      </Text>
    );
  }
  if ('$double' in v) return <Text span c="blue" inherit>(double) {String(v.$double)}</Text>;
  if ('$bignum' in v) return <Text span c="blue" inherit>(big number) {String(v.$bignum)}</Text>;
  if ('$bigint' in v) return <Text span c="blue" inherit>(integer) {String(v.$bigint)}</Text>;
  if ('$verbatim' in v) {
    const vb = v.$verbatim as Obj;
    return <Text span inherit style={{ whiteSpace: 'pre-wrap' }}>{String(vb.text ?? `(binary) ${String(vb.base64 ?? '')}`)}</Text>;
  }
  for (const k of ['$map', '$set', '$push', '$attribute']) {
    if (k in v && Array.isArray(v[k]) && (v[k] as RespJson[]).length === 0) {
      return <Text span c="dimmed" inherit>(empty {k.slice(1)})</Text>;
    }
  }
  return null;
}

function Node({ value, depth }: { value: RespJson; depth: number }): ReactNode {
  const s = scalar(value);
  if (s !== null) return s;
  const rows: { label: ReactNode; value: RespJson }[] = [];
  let kind = '';
  if (Array.isArray(value)) {
    value.forEach((item, i) => rows.push({ label: `${i + 1})`, value: item }));
  } else if (isTagged(value)) {
    if (Array.isArray(value.$map) || Array.isArray(value.$attribute)) {
      kind = value.$map ? '' : '(attribute) ';
      for (const pair of (value.$map ?? value.$attribute) as RespJson[][]) {
        rows.push({ label: <>{scalar(pair[0] ?? null) ?? <Node value={pair[0] ?? null} depth={depth + 1} />} ⇒</>, value: pair[1] ?? null });
      }
      if ('$value' in value) rows.push({ label: 'value:', value: value.$value ?? null });
    } else if (Array.isArray(value.$set)) {
      kind = '(set) ';
      (value.$set as RespJson[]).forEach((item, i) => rows.push({ label: `${i + 1})`, value: item }));
    } else if (Array.isArray(value.$push)) {
      kind = '(push) ';
      (value.$push as RespJson[]).forEach((item, i) => rows.push({ label: `${i + 1})`, value: item }));
    } else {
      return <Text span inherit>{JSON.stringify(value)}</Text>;
    }
  }
  return (
    <Box component="span" display="block">
      {kind && (
        <Text span c="dimmed" inherit>
          {kind}
        </Text>
      )}
      {rows.map((r, i) => (
        <Box key={i} display="flex" style={{ gap: 6 }}>
          <Text span c="dimmed" inherit style={{ flexShrink: 0 }}>
            {r.label}
          </Text>
          <Box component="span" miw={0} style={{ wordBreak: 'break-all' }}>
            <Node value={r.value} depth={depth + 1} />
          </Box>
        </Box>
      ))}
    </Box>
  );
}

export function JsonView({ value, raw }: JsonViewProps) {
  if (raw) {
    return (
      <Code block data-testid="json-view">
        {JSON.stringify(value, null, 2)}
      </Code>
    );
  }
  return (
    <Box style={{ ...mono, wordBreak: 'break-all', whiteSpace: 'pre-wrap' }} data-testid="json-view">
      <Node value={value} depth={0} />
    </Box>
  );
}
