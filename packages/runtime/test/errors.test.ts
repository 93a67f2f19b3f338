import { createEngine } from '@pd/runtime';
import { errorsSuite } from './suites/errors.suite.js';

errorsSuite((o) => createEngine(o));
