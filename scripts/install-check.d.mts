/** Types for install-check.mjs (a plain script, shared by scripts/test-all.mjs and scripts/demo.ts). */
export declare function missingInstall(root: string): string[];
export declare function requireInstall(root: string, what: string): void;
