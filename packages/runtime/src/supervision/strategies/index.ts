/**
 * The strategies by name. Each lives in its own file; this table is the only place that
 * knows them all. Must not: hold state.
 */
import type { StrategyName } from '../spec.js';
import { oneForAll } from './one-for-all.js';
import { oneForOne } from './one-for-one.js';
import { restForOne } from './rest-for-one.js';
import { simpleOneForOne } from './simple-one-for-one.js';
import type { Strategy } from './strategy.js';

export const STRATEGIES: Readonly<Record<StrategyName, Strategy>> = {
  'one-for-one': oneForOne,
  'one-for-all': oneForAll,
  'rest-for-one': restForOne,
  'simple-one-for-one': simpleOneForOne,
};

export type { RestartPlan, Strategy } from './strategy.js';
