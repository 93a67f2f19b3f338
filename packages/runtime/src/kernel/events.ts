/**
 * The engine's event stream: lifecycle, supervision and delivery events for tools and
 * tests. It costs nothing without subscribers: emitters check {@link EventStream.active}
 * before building an event. A listener that throws is unsubscribed, never allowed to
 * disturb the engine, and reported: the engine counts it (`stats().listenerFailures`) and
 * keeps the last failure (`engine.lastListenerFailure`).
 */
import type { AnyAddr, ExitReason } from '@pd/actor';

export type EngineEvent =
  | { readonly type: 'spawned'; readonly at: number; readonly addr: AnyAddr; readonly path: string; readonly kind: string; readonly parent: string | null }
  | { readonly type: 'exited'; readonly at: number; readonly addr: AnyAddr; readonly path: string; readonly kind: string; readonly reason: ExitReason }
  | { readonly type: 'crashed'; readonly at: number; readonly addr: AnyAddr; readonly path: string; readonly kind: string; readonly phase: string; readonly error: unknown }
  | { readonly type: 'restarted'; readonly at: number; readonly addr: AnyAddr; readonly path: string; readonly kind: string; readonly restarts: number; readonly reason: ExitReason }
  | { readonly type: 'swapped'; readonly at: number; readonly addr: AnyAddr; readonly path: string; readonly kind: string }
  | { readonly type: 'dead-letter'; readonly at: number; readonly to: string; readonly reason: DeadLetterReason; readonly message: unknown }
  | { readonly type: 'mailbox-overflow'; readonly at: number; readonly addr: AnyAddr; readonly path: string; readonly policy: string; readonly capacity: number }
  | { readonly type: 'supervisor'; readonly at: number; readonly supervisor: string; readonly action: string; readonly child: string; readonly detail?: unknown };

export type EngineEventType = EngineEvent['type'];

/** Why a message became a dead letter. */
export type DeadLetterReason =
  /** The target had exited (or exited with the message still queued). */
  | 'dead'
  /** The address is not one this engine knows (another incarnation, a forged identity). */
  | 'unknown'
  /** Its `ttlMs` passed before it was handled. */
  | 'expired'
  /** A full mailbox dropped it (drop-newest, drop-oldest). */
  | 'dropped'
  /** A full mailbox refused it (reject, backpressure). */
  | 'rejected'
  /** Sent by an actor that had already exited (code left running in a killed actor's async handler). */
  | 'sender-exited';

export type EventListener = (event: EngineEvent) => void;

export class EventStream {
  private listeners: { fn: EventListener; types: ReadonlySet<EngineEventType> | null }[] = [];
  /** True when anyone listens: check before building an event. */
  active = false;

  /** Listen to every event, or only to `types`. Returns the unsubscribe function. */
  subscribe(listener: EventListener, types?: readonly EngineEventType[]): () => void {
    const entry = { fn: listener, types: types === undefined ? null : new Set(types) };
    this.listeners = [...this.listeners, entry];
    this.active = true;
    return () => {
      this.listeners = this.listeners.filter((l) => l !== entry);
      this.active = this.listeners.length > 0;
    };
  }

  /** @internal Told of every listener that threw (set by the engine). */
  _onListenerError: ((error: unknown, event: EngineEvent) => void) | null = null;

  /** @internal */
  emit(event: EngineEvent): void {
    for (const l of this.listeners) {
      if (l.types !== null && !l.types.has(event.type)) continue;
      try {
        l.fn(event);
      } catch (error) {
        this.listeners = this.listeners.filter((x) => x !== l);
        this.active = this.listeners.length > 0;
        this._onListenerError?.(error, event);
      }
    }
  }
}
