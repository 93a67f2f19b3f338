import { createEngine } from '@pd/runtime';
import { swapSuite } from './suites/swap.suite.js';

swapSuite((o) => createEngine(o));
