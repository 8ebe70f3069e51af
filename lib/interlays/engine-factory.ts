import { createFakeEngine } from './fake-engine.tmp';
export const createInterlayEngine = createFakeEngine;
