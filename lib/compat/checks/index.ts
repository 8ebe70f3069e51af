/** Every check, in the order the report lists them. */
import type { CompatCheck } from '../types';
import { acl } from './acl';
import { bigKeys } from './big-keys';
import { clusterMode } from './cluster-mode';
import { configAccess } from './config-access';
import { evictionPolicy } from './eviction-policy';
import { interlayListeners } from './interlay-listeners';
import { latency } from './latency';
import { memoryHeadroom } from './memory-headroom';
import { modules } from './modules';
import { multiDbCluster } from './multi-db-cluster';
import { protoMaxBulkLen } from './proto-max-bulk-len';
import { rdbVersion } from './rdb-version';
import { sourceVersion } from './source-version';
import { targetNotEmpty } from './target-not-empty';
import { tlsAuth } from './tls-auth';

export const CHECKS: readonly CompatCheck[] = [
  tlsAuth,
  sourceVersion,
  rdbVersion,
  modules,
  acl,
  clusterMode,
  interlayListeners,
  multiDbCluster,
  targetNotEmpty,
  memoryHeadroom,
  evictionPolicy,
  protoMaxBulkLen,
  bigKeys,
  configAccess,
  latency,
];

export { acl, bigKeys, clusterMode, configAccess, evictionPolicy, interlayListeners, latency, memoryHeadroom, modules, multiDbCluster, protoMaxBulkLen, rdbVersion, sourceVersion, targetNotEmpty, tlsAuth };
