import { createEngine } from '@pd/runtime';
import { eventsSuite } from './suites/events.suite.js';

eventsSuite((o) => createEngine(o));
