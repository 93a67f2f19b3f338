import { createEngine } from '@pd/runtime';
import { topicsSuite } from './suites/topics.suite.js';

topicsSuite((o) => createEngine(o));
