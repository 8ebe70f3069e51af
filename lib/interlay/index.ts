/**
 * The interlay proxy engine: a RESP proxy that multiplexes client connections over a few
 * pipelined backend connections. See README.md in this folder for the design.
 */
export { Interlay } from './interlay';
export { directPolicy, FORWARD_PRIMARY } from './policy';
export {
  DEFAULT_SETTINGS,
  type BackendTarget,
  type CommandView,
  type ErrorKind,
  type InterlayMetrics,
  type InterlayOptions,
  type InterlaySettings,
  type InterlayStatus,
  type RoutingDecision,
  type RoutingPolicy,
  type SessionView,
} from './types';
