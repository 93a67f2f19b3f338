import { createEngine } from '@pd/runtime';
import { askSuite } from './suites/ask.suite.js';

askSuite((o) => createEngine(o));
