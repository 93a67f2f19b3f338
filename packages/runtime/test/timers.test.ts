import { createEngine } from '@pd/runtime';
import { timersSuite } from './suites/timers.suite.js';

timersSuite((o) => createEngine(o));
