import { createEngine } from '@pd/runtime';
import { introspectionSuite } from './suites/introspection.suite.js';

introspectionSuite((o) => createEngine(o));
