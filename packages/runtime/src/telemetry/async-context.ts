/**
 * An OpenTelemetry context manager over Node's `AsyncLocalStorage`, for the worker threads of
 * a multi-core engine. On core 0 the application's SDK registers one (`@pd/telemetry` does),
 * so a traced async handler's code after an `await` still runs in its span; a worker thread
 * has no SDK, and without a context manager the API's default forgets the context at the
 * first `await` (a send after it would carry no trace). The worker registers this one at boot
 * (unless its entry module registered its own). It costs nothing until a context is entered —
 * the message probe enters one only for a sampled, traced message — and from then the async
 * hooks of `AsyncLocalStorage`, as on core 0.
 *
 * The runtime depends on `@opentelemetry/api` only, so this is the few lines of the
 * `@opentelemetry/context-async-hooks` manager it needs (functions bound, not event emitters).
 * Must not: leak a context into code that did not run inside it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { type Context, type ContextManager, ROOT_CONTEXT } from '@opentelemetry/api';

export class AsyncContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const call = thisArg === undefined ? fn : fn.bind(thisArg);
    return this.storage.run(context, call as (...args: A) => ReturnType<F>, ...args);
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const manager = this;
    const fn = target as unknown as (...args: unknown[]) => unknown;
    return function bound(this: unknown, ...args: unknown[]) {
      return manager.with(context, () => fn.apply(this, args));
    } as unknown as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.storage.disable();
    return this;
  }
}
