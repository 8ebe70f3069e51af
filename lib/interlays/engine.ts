/**
 * The seam between the interlay service and the proxy engine (lib/interlay). The service
 * needs only this much of an engine, so tests can hand in their own factory and the engine
 * can grow (routing policies, mirroring) without the service changing.
 */
import type { Logger } from '../logger';
import type { CopyCoordination } from '../copy/types';
import type { RoutingSpec } from '../interlay/routing';
import type { ShadowDivergence } from '../interlay/shadow';
import type { EngineSettings, InterlayMetrics, InterlayStatus } from './schema';
import type { RedisTarget } from '../redis/target';

export type EngineBackend = RedisTarget;

export interface EngineOptions {
  id: string;
  port: number;
  backend: EngineBackend;
  poolSize: number;
  /** Secrets opened. */
  settings: EngineSettings;
  /** Stage, policy, target and mirrors to start in (absent: source only). */
  routing?: RoutingSpec;
  log: Logger;
}

export interface EngineHandle {
  readonly id: string;
  readonly status: InterlayStatus;
  readonly error: string | undefined;
  start(): Promise<void>;
  stop(opts?: { drainTimeoutMs?: number }): Promise<void>;
  updateSettings(s: Partial<EngineSettings>): void;
  metrics(): InterlayMetrics;
  /** Changes the live path (stage, policy, target, mirrors); rejects when it cannot switch. */
  setRouting(spec: RoutingSpec): Promise<void>;
  shadowDivergences(): ShadowDivergence[];
  copyCoordinator(): CopyCoordination;
  markResynced(name: string): void;
  /**
   * 'status': the listener's status changed; 'backend': the backend went up or down;
   * 'routing': the live path changed; 'mirror-error': keys the mirror failed on (MirrorError).
   */
  on(event: 'status' | 'backend' | 'routing' | 'mirror-error', listener: (...args: unknown[]) => void): unknown;
  off(event: 'status' | 'backend' | 'routing' | 'mirror-error', listener: (...args: unknown[]) => void): unknown;
}

export type EngineFactory = (opts: EngineOptions) => EngineHandle;
