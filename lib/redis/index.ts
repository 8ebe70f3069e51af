/** A small pipelined RESP client (TCP/TLS) built on lib/resp. */
export { RedisConnection, type RedisConnectionOptions, type RedisTlsOptions, type ConnectionStatus } from './connection';
export { ConnectionPool, type ConnectionPoolOptions } from './pool';
export { RedisClientError, type RedisErrorCode } from './errors';
export { targetConnectionOptions, targetTlsOptions, type RedisTarget } from './target';
