/**
 * @pd/cli: the `pd` command. Start engines from a versioned config file, inspect them
 * (status, ps, tree, inspect, top, events, dead, doctor) and steer them (send, call, stop,
 * kill, restart, spawn) through the control plane. `main` runs it in-process.
 */
export { main, commandHelp, type MainOptions } from './main.js';
export { COMMANDS } from './commands/index.js';
export { EXIT, UsageError, exitCodeFor, type ExitCode } from './exit.js';
export type { Command, OptionSpec } from './command.js';
export { renderFrame, type TopFrame, type TopRow, type TopSort } from './commands/top.js';
export { formatEvent } from './commands/events.js';
