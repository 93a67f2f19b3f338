/**
 * The names, units and attributes of the engine's metrics, in one place (docs/observability.md
 * lists them with their Prometheus forms: dots become underscores, counters gain `_total`).
 * Attributes are low-cardinality by design: an actor's kind, never its id or path.
 */

/** Metric names (OpenTelemetry form). */
export const METRIC = {
  actorSpawn: 'pd.actor.spawn',
  actorStopped: 'pd.actor.stopped',
  actorRestarted: 'pd.actor.restarted',
  actorFailure: 'pd.actor.failure',
  actorLive: 'pd.actor.live',
  mailboxLength: 'pd.actor.mailbox.length',
  mailboxOverflow: 'pd.actor.mailbox.overflow',
  /** Histogram, seconds: how long a message waited in its mailbox before its handler began. */
  mailboxTime: 'pd.actor.mailbox.time',
  /** Histogram, seconds: how long a handler took (an async one: until its promise settled). */
  messageDuration: 'pd.actor.message.duration',
  deadLetters: 'pd.deadletter',
  messagesHandled: 'pd.message.handled',
  asksPending: 'pd.ask.pending',
  asksStarted: 'pd.ask.started',
  askTimeouts: 'pd.ask.timeout',
  timersActive: 'pd.timer.active',
  runQueue: 'pd.scheduler.run_queue',
  turns: 'pd.scheduler.turns',
  supervisorRestart: 'pd.supervisor.restart',
  supervisorEscalation: 'pd.supervisor.escalation',
  coreFramesIn: 'pd.core.frames.in',
  coreMessagesIn: 'pd.core.messages.in',
  coreBadFrames: 'pd.core.frames.bad',
  coreBacklog: 'pd.core.backlog',
} as const;

/** Attribute keys. */
export const ATTR = {
  /** The actor's kind (its registered name, or the definition's name). */
  kind: 'pd.actor.kind',
  /** How an actor exited: `normal`, `shutdown`, `error`, `killed`, ... (the exit reason's type). */
  exitReason: 'pd.exit.reason',
  /** Where a crash happened: `receive`, `started`, `create`, `run`, ... */
  phase: 'pd.crash.phase',
  deadLetterReason: 'pd.deadletter.reason',
  overflowPolicy: 'pd.mailbox.policy',
  core: 'pd.core',
  /** OpenTelemetry messaging conventions: the system is `pd`. */
  messagingSystem: 'messaging.system',
  /** Messaging conventions, on spans: `process`. */
  messagingOperationName: 'messaging.operation.name',
  messagingOperationType: 'messaging.operation.type',
  /** Messaging conventions, on spans: the receiving actor's kind (never its id: bounded span names). */
  messagingDestination: 'messaging.destination.name',
} as const;

/** The instrumentation scope of the engine's metrics and spans. */
export const SCOPE = '@pd/runtime';
