import { createEngine } from '@pd/runtime';
import { mailboxPolicySuite } from './suites/mailbox-policy.suite.js';

mailboxPolicySuite((o) => createEngine(o));
