/**
 * The OpenAPI 3.1 document of /api/v1: every route with its method, permission and summary,
 * request bodies and query parameters generated from the zod schemas the handlers validate
 * with (z.toJSONSchema). The workflow's routes come from lib/workflow/schema.ts
 * MIGRATION_ROUTES; openapi.test.ts checks the table against the route files, so a route
 * added without an entry fails the build's tests.
 */
import { z } from 'zod';
import type { Permission } from '@/lib/auth/roles';
import { auditQuerySchema } from '@/lib/audit/schema';
import { changePasswordSchema, createTokenSchema, createUserSchema, loginSchema, updateUserSchema } from '@/lib/auth/schema';
import { acknowledgeSchema as compatAckSchema, createReportSchema, listQuery } from '@/lib/compat/schema';
import {
  createCopyJobSchema,
  errorKeyExportQuery,
  errorKeyQuery,
  listJobsQuery,
  mismatchQuery,
  resolveErrorKeysSchema,
  retryErrorKeysSchema as copyRetrySchema,
  updateCopyJobSchema,
  verifySchema,
} from '@/lib/copy-jobs/schema';
import { directCallSchema } from '@/lib/endpoints/api';
import { createEndpointSchema, updateEndpointSchema } from '@/lib/endpoints/schema';
import { createInterlaySchema, routingInputSchema, stopInterlaySchema, updateInterlaySchema } from '@/lib/interlays/schema';
import * as wf from '@/lib/workflow/schema';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiRoute {
  method: Method;
  path: string;
  permission: Permission | 'public';
  summary: string;
  body?: z.ZodType;
  query?: z.ZodType;
  /** Not JSON: a CSV/JSONL export or an event stream. */
  produces?: string;
}

const R = (method: Method, path: string, permission: ApiRoute['permission'], summary: string, extra: Partial<ApiRoute> = {}): ApiRoute => ({ method, path: `/api/v1${path}`, permission, summary, ...extra });

/** Every route besides the workflow's. */
const CONSOLE_ROUTES: ApiRoute[] = [
  R('GET', '/health', 'public', 'Liveness and database readiness'),
  R('POST', '/auth/login', 'public', 'Sign in (sets the session cookie)', { body: loginSchema }),
  R('POST', '/auth/logout', 'public', 'Sign out'),
  R('GET', '/auth/me', 'read', 'The signed-in user and permissions'),
  R('POST', '/auth/password', 'read', 'Change your password', { body: changePasswordSchema }),
  R('GET', '/audit', 'read', 'Audit log', { query: auditQuerySchema }),
  R('GET', '/users', 'admin', 'Users'),
  R('POST', '/users', 'admin', 'Create a user', { body: createUserSchema }),
  R('PATCH', '/users/{username}', 'admin', 'Change a user', { body: updateUserSchema }),
  R('DELETE', '/users/{username}', 'admin', 'Delete a user'),
  R('GET', '/tokens', 'read', 'API tokens (yours; admins: everyone\'s)'),
  R('POST', '/tokens', 'read', 'Create an API token', { body: createTokenSchema }),
  R('DELETE', '/tokens/{id}', 'read', 'Revoke an API token'),
  R('GET', '/endpoints', 'read', 'Endpoints'),
  R('POST', '/endpoints', 'operate', 'Create an endpoint', { body: createEndpointSchema }),
  R('GET', '/endpoints/{endpoint}', 'read', 'An endpoint (secrets masked)'),
  R('PATCH', '/endpoints/{endpoint}', 'operate', 'Change an endpoint', { body: updateEndpointSchema }),
  R('DELETE', '/endpoints/{endpoint}', 'operate', 'Delete an endpoint (409 while in use)'),
  R('POST', '/endpoints/{endpoint}/check', 'read', 'Check every role\'s connection'),
  R('POST', '/endpoints/{endpoint}/read', 'read', 'Run read-only commands', { body: directCallSchema }),
  R('POST', '/endpoints/{endpoint}/write', 'operate', 'Run write commands', { body: directCallSchema }),
  R('GET', '/interlays', 'read', 'Interlays'),
  R('POST', '/interlays', 'operate', 'Create (and start) an interlay', { body: createInterlaySchema }),
  R('GET', '/interlays/{id}', 'read', 'An interlay'),
  R('PATCH', '/interlays/{id}', 'operate', 'Change an interlay', { body: updateInterlaySchema }),
  R('DELETE', '/interlays/{id}', 'operate', 'Delete an interlay'),
  R('POST', '/interlays/{id}/start', 'operate', 'Start'),
  R('POST', '/interlays/{id}/stop', 'operate', 'Stop (drain first)', { body: stopInterlaySchema }),
  R('GET', '/interlays/{id}/metrics', 'read', 'Live metrics'),
  R('GET', '/interlays/{id}/metrics/history', 'read', 'The last ~5 minutes of metrics'),
  R('GET', '/interlays/{id}/routing', 'read', 'Stage, policy, target, mirrors, and whether the target is in sync'),
  R('PUT', '/interlays/{id}/routing', 'operate', 'Change the stage, policy, target or mirrors', { body: routingInputSchema }),
  R('GET', '/interlays/{id}/shadow-divergences', 'read', 'Recent shadow-read divergences'),
  R('GET', '/interlays/{id}/error-keys', 'read', 'Keys the mirror failed on', { query: errorKeyQuery }),
  R('GET', '/interlays/{id}/error-keys/export', 'read', 'Export the mirror\'s error keys', { query: errorKeyExportQuery, produces: 'text/csv' }),
  R('POST', '/interlays/{id}/error-keys/retry', 'operate', 'Sync the mirror\'s error keys again', { body: copyRetrySchema }),
  R('GET', '/copy-jobs', 'read', 'Copy jobs', { query: listJobsQuery }),
  R('POST', '/copy-jobs', 'operate', 'Start a copy job', { body: createCopyJobSchema }),
  R('GET', '/copy-jobs/{id}', 'read', 'A copy job with its progress'),
  R('PATCH', '/copy-jobs/{id}', 'operate', 'Change the rate limit', { body: updateCopyJobSchema }),
  R('POST', '/copy-jobs/{id}/pause', 'operate', 'Pause'),
  R('POST', '/copy-jobs/{id}/resume', 'operate', 'Resume'),
  R('POST', '/copy-jobs/{id}/cancel', 'operate', 'Cancel'),
  R('GET', '/copy-jobs/{id}/transitions', 'read', 'State history'),
  R('GET', '/copy-jobs/{id}/error-keys', 'read', 'Error keys (?format=csv|jsonl exports)', { query: errorKeyQuery }),
  R('POST', '/copy-jobs/{id}/error-keys/retry', 'operate', 'Copy error keys again', { body: copyRetrySchema }),
  R('POST', '/copy-jobs/{id}/error-keys/resolve', 'operate', 'Resolve error keys with a note', { body: resolveErrorKeysSchema }),
  R('POST', '/copy-jobs/{id}/verify', 'operate', 'Start a verification', { body: verifySchema }),
  R('GET', '/copy-jobs/{id}/verifications', 'read', 'Verifications'),
  R('GET', '/copy-jobs/{id}/verifications/{vid}', 'read', 'A verification with its mismatches', { query: mismatchQuery }),
  R('POST', '/copy-jobs/{id}/verifications/{vid}/repair', 'operate', 'Repair what a verification found'),
  R('GET', '/compatibility-reports', 'read', 'Compatibility reports', { query: listQuery }),
  R('POST', '/compatibility-reports', 'operate', 'Run a compatibility report', { body: createReportSchema }),
  R('GET', '/compatibility-reports/{id}', 'read', 'A report with findings, analysis and test run'),
  R('GET', '/compatibility-reports/{id}/export', 'read', 'The report as a JSON download'),
  R('POST', '/compatibility-reports/{id}/rerun', 'operate', 'Run the report again in place'),
  R('POST', '/compatibility-reports/{id}/findings/{check}/acknowledge', 'approve', 'Acknowledge a warning', { body: compatAckSchema }),
  R('POST', '/compatibility-reports/{id}/compatibility/{check}/acknowledge', 'approve', 'Alias of findings/{check}/acknowledge', { body: compatAckSchema }),
  R('GET', '/openapi.json', 'read', 'This document'),
];

/** Request schemas of the workflow's routes, by "METHOD path". */
const WORKFLOW_SCHEMAS: Record<string, Pick<ApiRoute, 'body' | 'query' | 'produces'>> = {
  'GET /api/v1/migrations': { query: wf.listRunsQuery },
  'POST /api/v1/migrations': { body: wf.createRunSchema },
  'PUT /api/v1/migrations/{id}/setup': { body: wf.setupSchema },
  'POST /api/v1/migrations/{id}/findings/{check}/acknowledge': { body: wf.acknowledgeSchema },
  'POST /api/v1/migrations/{id}/approve': { body: wf.approveSchema },
  'POST /api/v1/migrations/{id}/pause': { body: wf.reasonSchema },
  'POST /api/v1/migrations/{id}/cancel': { body: wf.reasonSchema },
  'POST /api/v1/migrations/{id}/close': { body: wf.closeSchema },
  'POST /api/v1/migrations/{id}/traffic': { body: wf.trafficSchema },
  'POST /api/v1/migrations/{id}/acceptance': { body: wf.acceptanceActionSchema },
  'POST /api/v1/migrations/{id}/complete': { body: wf.completeSchema },
  'POST /api/v1/migrations/{id}/rollback': { body: wf.rollbackSchema },
  'GET /api/v1/migrations/{id}/error-keys': { query: wf.errorKeysQuery },
  'POST /api/v1/migrations/{id}/error-keys/retry': { body: wf.retryErrorKeysSchema },
  'GET /api/v1/migrations/{id}/events': { query: wf.eventsQuery },
  'GET /api/v1/migrations/{id}/events/stream': { query: wf.streamQuery, produces: 'text/event-stream' },
};

export const API_ROUTES: readonly ApiRoute[] = [...CONSOLE_ROUTES, ...wf.MIGRATION_ROUTES.map((r) => ({ ...r, ...WORKFLOW_SCHEMAS[`${r.method} ${r.path}`] }))];

function jsonSchema(s: z.ZodType): unknown {
  return z.toJSONSchema(s, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
}

function queryParameters(s: z.ZodType): unknown[] {
  const js = jsonSchema(s) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, schema]) => ({ name, in: 'query', required: js.required?.includes(name) ?? false, schema }));
}

const ERROR = { $ref: '#/components/schemas/Error' };

export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of API_ROUTES) {
    const params = [...r.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.path.split('/')[3]],
      'x-permission': r.permission,
      ...(r.permission === 'public' ? { security: [] } : {}),
      parameters: [...params, ...(r.query ? queryParameters(r.query) : [])],
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body) } } } } : {}),
      responses: {
        '200': { description: 'OK', content: { [r.produces ?? 'application/json']: {} } },
        '400': { description: 'Invalid input, with field paths', content: { 'application/json': { schema: ERROR } } },
        '401': { description: 'Not signed in', content: { 'application/json': { schema: ERROR } } },
        '403': { description: 'The role may not', content: { 'application/json': { schema: ERROR } } },
        '404': { description: 'Not found', content: { 'application/json': { schema: ERROR } } },
        '409': { description: 'Not in this state, or changed meanwhile', content: { 'application/json': { schema: ERROR } } },
      },
    };
    (paths[r.path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Redis Interlay Console API', version, description: 'Every route needs a session cookie or `Authorization: Bearer <token>` unless marked public; `x-permission` names the permission a route needs.' },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }, { session: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'ri_session' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, issues: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } }, details: {} },
            },
          },
        },
      },
    },
  };
}
