import { createEngine } from '@pd/runtime';
import { orderingSuite } from './suites/ordering.suite.js';

orderingSuite((o) => createEngine(o));
