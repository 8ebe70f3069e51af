/**
 * The default routing policy: every command goes to the one backend. The live-migration
 * stages (mirroring, traffic shift) replace it with their own `RoutingPolicy`.
 */
import type { RoutingDecision, RoutingPolicy } from './types';

export const FORWARD_PRIMARY: RoutingDecision = Object.freeze({ action: 'forward', backend: 'primary' } as const);

export const directPolicy: RoutingPolicy = Object.freeze({
  name: 'direct',
  route: () => FORWARD_PRIMARY,
});
