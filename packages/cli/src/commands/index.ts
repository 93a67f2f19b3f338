/**
 * Every `pd` command, in the order `pd help` lists them.
 */
import type { Command } from '../command.js';
import { clusterCommand } from './cluster.js';
import { callCommand, killCommand, restartCommand, rpcCommand, sendCommand, spawnCommand } from './control.js';
import { doctorCommand } from './doctor.js';
import { schemaCommand, statusCommand, stopCommand } from './engine.js';
import { eventsCommand } from './events.js';
import { childrenCommand, deadCommand, inspectCommand, psCommand, registryCommand, treeCommand } from './inspect.js';
import { observerCommand } from './observer.js';
import { pluginCommand } from './plugin.js';
import { startCommand } from './start.js';
import { topCommand } from './top.js';

export const COMMANDS: readonly Command[] = [
  startCommand, stopCommand, statusCommand,
  psCommand, treeCommand, inspectCommand, topCommand, eventsCommand, deadCommand, registryCommand, childrenCommand, observerCommand,
  sendCommand, callCommand, killCommand, restartCommand, spawnCommand,
  pluginCommand, clusterCommand,
  doctorCommand, schemaCommand, rpcCommand,
];
