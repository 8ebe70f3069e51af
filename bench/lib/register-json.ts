/** Import first (before anything that loads lib/commands) when running under tsx; see json-hook.mjs. */
import { register } from 'node:module';

register('./json-hook.mjs', import.meta.url);
