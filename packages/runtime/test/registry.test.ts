import { createEngine } from '@pd/runtime';
import { registrySuite } from './suites/registry.suite.js';

registrySuite((o) => createEngine(o));
