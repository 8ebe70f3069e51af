/**
 * The data movement engine: a resumable SCAN / DUMP / PTTL / RESTORE copier with
 * conflict policies, error keys, verification and repair. A library: it knows nothing
 * of HTTP, Prisma or Socket.IO; the copy-jobs service hosts it through CopyStore and
 * the 'progress' events.
 */
export * from './types';
export { CopyRun } from './run';
export { verify, repair, repairScope, retryErrorKeys, type ScopeRepair } from './verify';
export { MemoryCopyStore } from './memory-store';
export { globMatch } from './glob';
export { classifyReply, CONFLICT_CLASSES, isPayloadRejection } from './errors';
