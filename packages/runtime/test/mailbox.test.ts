import { createEngine } from '@pd/runtime';
import { mailboxSuite } from './suites/mailbox.suite.js';

mailboxSuite((o) => createEngine(o));
