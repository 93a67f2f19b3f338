import { createEngine } from '@pd/runtime';
import { schedulerSuite } from './suites/scheduler.suite.js';

schedulerSuite((o) => createEngine(o));
