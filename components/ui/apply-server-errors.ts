/**
 * Puts a server 400's field issues onto a Mantine form. The API names fields by their
 * path in the request body (`config.read_conn.port`); the form may nest them differently,
 * so a path that is not a form field is retried without its leading segments
 * (`read_conn.port`, then `port`) unless `map` decides. Paths naming a group of fields
 * (`config`, `config.target`) match no input and come back as unmatched. Returns the issues that matched no
 * field, for an `ErrorAlert` above the form.
 *
 *   onError: (e) => setUnmatched(applyServerErrors(form, e))
 */
import type { UseFormReturnType } from '@mantine/form';
import { ApiError, type ApiIssue } from '@/lib/client/api';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyForm = UseFormReturnType<any, any>;

/** True when `path` names an input's value: present and not a nested group of fields. */
function isField(values: unknown, path: string): boolean {
  let cur: unknown = values;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !(part in (cur as object))) return false;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur === null || typeof cur !== 'object' || Array.isArray(cur);
}

export interface ApplyServerErrorsOptions {
  /** Maps a server path to a form path; `undefined` falls back to the default lookup, `null` = no field. */
  map?: (path: string) => string | null | undefined;
}

export function applyServerErrors(form: AnyForm, error: unknown, opts: ApplyServerErrorsOptions = {}): ApiIssue[] {
  if (!(error instanceof ApiError) || error.issues.length === 0) return [];
  const values = form.getValues();
  const errors: Record<string, string> = {};
  const unmatched: ApiIssue[] = [];
  for (const issue of error.issues) {
    let target: string | null | undefined = opts.map?.(issue.path);
    if (target === undefined) {
      const parts = issue.path.split('.');
      target = null;
      for (let i = 0; i < parts.length; i++) {
        const candidate = parts.slice(i).join('.');
        if (isField(values, candidate)) {
          target = candidate;
          break;
        }
      }
    }
    if (target) errors[target] = errors[target] ? `${errors[target]}; ${issue.message}` : issue.message;
    else unmatched.push(issue);
  }
  if (Object.keys(errors).length) form.setErrors({ ...form.errors, ...errors });
  return unmatched;
}
