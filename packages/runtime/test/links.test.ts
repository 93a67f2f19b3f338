import { createEngine } from '@pd/runtime';
import { linksSuite } from './suites/links.suite.js';

linksSuite((o) => createEngine(o));
