/** The production engine factory: the RESP proxy from lib/interlay. */
import { Interlay } from '../interlay';
import type { EngineFactory } from './engine';

export const createInterlayEngine: EngineFactory = (opts) => new Interlay(opts);
