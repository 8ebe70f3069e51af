/** Types for node-flags.mjs (a plain script, shared by scripts/start.mjs and bench/interlay.ts). */
export declare const NODE_FLAGS: string[];
export declare function ensureNodeFlags(): Promise<void>;
