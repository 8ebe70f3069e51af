/**
 * The seam between the interlay service and the proxy engine (lib/interlay). The service
 * needs only this much of an engine, so tests can hand in their own factory and the engine
 * can grow (routing policies, mirroring) without the service changing.
 */
import type { Logger } from '../logger';
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
  /** 'status': the listener's status changed; 'backend': the backend went up or down. */
  on(event: 'status' | 'backend', listener: (...args: unknown[]) => void): unknown;
  off(event: 'status' | 'backend', listener: (...args: unknown[]) => void): unknown;
}

export type EngineFactory = (opts: EngineOptions) => EngineHandle;
