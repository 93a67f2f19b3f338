import { createEngine } from '@pd/runtime';
import { registryModelSuite } from './suites/registry-model.suite.js';

registryModelSuite((o) => createEngine(o));
