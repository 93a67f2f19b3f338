/**
 * Exit codes of `pd`, documented in docs/cli.md, and the mapping from every error the
 * CLI can meet to one of them, so a script can branch on the status alone. The codes are
 * part of the CLI's contract: add new ones, never renumber.
 */
import { ConfigError, ControlError } from '@pd/control';

/** Every exit status `pd` uses. */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** The operation ran and failed: a call got no reply, a spawn was refused, doctor found a problem. */
  failed: 1,
  /** The command line is wrong: unknown command or option, bad JSON argument, several engines and no --engine. */
  usage: 2,
  /** No engine to talk to: not running, stale state file, endpoint unreachable. */
  noEngine: 3,
  /** The engine refused the token. */
  badToken: 4,
  /** No live actor matches the target. */
  unknownTarget: 5,
  /** The config file is invalid; nothing was started. */
  badConfig: 6,
  /** `pd start`: an engine with that id is already running. */
  alreadyRunning: 7,
  /** The engine answered but refused the connection for now: every connection slot is taken. Try again later. */
  busy: 8,
  /** The state folder is unsafe (another user's, or writable by others) or a file is in the way; nothing was started. */
  unsafeState: 9,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A mistake on the command line. */
export class UsageError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The exit status for `error`. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof ConfigError) return EXIT.badConfig;
  if (error instanceof ControlError) {
    switch (error.code) {
      case 'conn/no-engine':
      case 'conn/unreachable':
      case 'conn/closed':
        return EXIT.noEngine;
      case 'conn/bad-token':
        return EXIT.badToken;
      case 'conn/ambiguous':
      case 'rpc/invalid-params':
      case 'rpc/unknown-method':
        return EXIT.usage;
      case 'target/unknown':
        return EXIT.unknownTarget;
      case 'engine/already-running':
        return EXIT.alreadyRunning;
      case 'conn/busy':
        return EXIT.busy;
      case 'state/unsafe-dir':
        return EXIT.unsafeState;
      default:
        return EXIT.failed;
    }
  }
  return EXIT.failed;
}
