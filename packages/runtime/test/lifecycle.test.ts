import { createEngine } from '@pd/runtime';
import { lifecycleSuite } from './suites/lifecycle.suite.js';

lifecycleSuite((o) => createEngine(o));
