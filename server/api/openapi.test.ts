import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_ROUTES, openApiDocument } from './openapi';

const API_ROOT = path.resolve(__dirname, '..', '..', 'app', 'api', 'v1');

/** Every (method, path) the route files export, with [param] folders as {param}; the catch-all left out. */
function routeFiles(dir = API_ROOT, segs: string[] = []): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (!e.name.startsWith('[...')) out.push(...routeFiles(path.join(dir, e.name), [...segs, e.name.replace(/^\[(.+)\]$/, '{$1}')]));
    } else if (e.name === 'route.ts') {
      const src = fs.readFileSync(path.join(dir, e.name), 'utf8');
      const methods = [...src.matchAll(/export (?:const|\{) ?(GET|POST|PUT|PATCH|DELETE)\b/g)].map((m) => m[1]);
      for (const m of methods) out.push(`${m} /api/v1/${segs.join('/')}`.replace(/\/$/, ''));
    }
  }
  return out;
}

describe('OpenAPI document', () => {
  it('describes every route file and method, and nothing else', () => {
    const documented = API_ROUTES.map((r) => `${r.method} ${r.path}`).sort();
    expect(documented).toEqual(routeFiles().sort());
  });

  it('is OpenAPI 3.1 with request bodies and query parameters from the zod schemas', () => {
    const doc = openApiDocument('1.2.3') as { openapi: string; paths: Record<string, Record<string, any>> };
    expect(doc.openapi).toBe('3.1.0');
    const put = doc.paths['/api/v1/migrations/{id}/setup']!.put;
    expect(put['x-permission']).toBe('operate');
    const setup = put.requestBody.content['application/json'].schema;
    expect(setup.required).toEqual(expect.arrayContaining(['source', 'target', 'interlay', 'strategy']));
    expect(setup.properties.data_movement.enum).toEqual(['bulk_then_mirror', 'bulk_only', 'mirror_only']);
    const events = doc.paths['/api/v1/migrations/{id}/events']!.get;
    expect(events.parameters.map((p: { name: string }) => p.name)).toEqual(['id', 'after', 'limit']);
    expect(doc.paths['/api/v1/health']!.get.security).toEqual([]);
    expect(doc.paths['/api/v1/migrations/{id}/events/stream']!.get.responses['200'].content).toHaveProperty(['text/event-stream']);
  });
});
