import { createEngine } from '@pd/runtime';
import { clientSuite } from './suites/client.suite.js';

clientSuite((o) => createEngine(o));
