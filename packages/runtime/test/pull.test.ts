import { createEngine } from '@pd/runtime';
import { pullSuite } from './suites/pull.suite.js';

pullSuite((o) => createEngine(o));
