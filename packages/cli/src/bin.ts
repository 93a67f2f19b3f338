#!/usr/bin/env node
/**
 * The `pd` binary: runs {@link main} with the process's arguments and exits with its
 * status once output is flushed.
 */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
