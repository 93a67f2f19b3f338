/**
 * `pd observer`: the address of the engine's web observer, with the control-plane token
 * in the URL fragment (a fragment never leaves the browser). The engine serves it when its
 * config has `telemetry.observer: true`. Prints a credential: treat the URL as the token.
 */
import { observerUrl } from '@pd/control';
import type { Command } from '../command.js';
import { UsageError } from '../exit.js';

export const observerCommand: Command = {
  name: 'observer',
  args: '',
  summary: 'Print the URL of the engine\'s web observer (it carries the token: keep it to yourself).',
  needsEngine: true,
  options: {},
  run: async (ctx) => {
    ctx.noMoreArgs(0);
    const status = await ctx.call('engine.status');
    if (status.observer === null || status.observer === undefined) {
      throw new UsageError(`engine ${String(status.id)} does not serve the observer: set "telemetry": { "observer": true } in its config`);
    }
    const { state } = await ctx.connect();
    const url = observerUrl(state.url, state.token);
    if (ctx.json) return ctx.output.data({ url });
    ctx.output.text(url);
  },
};
