/**
 * The kinds a node of the cluster demo hosts (`pd start` loads this module, built to
 * dist/cluster-kinds.js, from the node configs in ../cluster/). The director (the demo's own
 * process) spawns them on the nodes with `federation.spawn(kind, { node })`:
 *
 * - stock-keeper and payment-gateway: the same kinds as the single-engine demo. They are not
 *   spawned by the director: every node's config tree runs one of each, under the cluster
 *   names `stock` and `payments` (`clusterName`): one node holds each name, the others are
 *   standbys that take it when the holder goes.
 * - cluster-desk: one order at a time, asked by the director with the addresses of the stock
 *   keeper and the gateway (wherever they run now); reserves stock, then charges. It answers
 *   what happened, or which step to retry when a dependency was unreachable or crashed (the
 *   director then resolves the name again in the cluster registry, and asks again).
 * - cluster-desk-core1 … cluster-desk-core7: the same desk under a name per worker core, so a
 *   multi-core node's placement (`engine.placement.kinds`, written by the demo) pins each to
 *   its core: with `--cores K` every node runs a desk on each of its cores 1 … K-1.
 *
 * The WASM `tally` (the AssemblyScript counter of packages/plugin/examples) comes from the
 * configs' `plugins` section, not from here.
 */
import { Actor, defineKind, type Addr, type Context } from '@pd/actor';
import { paymentGateway, stockKeeper, type Order, type PaymentMsg, type StockMsg } from './kinds.js';

/** What the director asks a desk. */
export interface DeskRequest {
  readonly type: 'order';
  readonly order: Order;
  readonly stock: Addr<StockMsg>;
  readonly payments: Addr<PaymentMsg>;
  /** Stock was reserved by an earlier attempt: only charge. */
  readonly reserved: boolean;
  /** How many times the charge was tried before (the gateway's bug fires on attempt 0). */
  readonly chargeAttempt: number;
}

/** A desk's answer: the order's outcome, or the step to retry with a fresh address. */
export type DeskReply = 'paid' | 'out-of-stock' | 'retry-reserve' | 'retry-charge';

/** How long a desk waits for the stock keeper or the gateway, ms. */
const DEPENDENCY_TIMEOUT_MS = 3000;

class ClusterDesk extends Actor<DeskRequest> {
  async receive(req: DeskRequest, ctx: Context<DeskRequest>): Promise<DeskReply> {
    const { order } = req;
    if (!req.reserved) {
      let reserved: boolean;
      try {
        reserved = await ctx.ask<StockMsg, boolean>(req.stock, { type: 'reserve', item: order.item, qty: order.qty }, { timeoutMs: DEPENDENCY_TIMEOUT_MS });
      } catch {
        return 'retry-reserve'; // the stock keeper is gone (its node died) or restarting elsewhere
      }
      if (!reserved) return 'out-of-stock';
    }
    try {
      await ctx.ask<PaymentMsg, string>(req.payments, { type: 'charge', order: order.id, cents: order.cents, attempt: req.chargeAttempt }, { timeoutMs: DEPENDENCY_TIMEOUT_MS });
      return 'paid';
    } catch {
      return 'retry-charge'; // the gateway crashed (its bug) or its node died
    }
  }
}

export const clusterDesk = defineKind<DeskRequest, void>('cluster-desk', ClusterDesk);

/** The most cores a demo node may have (`--cores`): a desk kind exists for each worker core below it. */
export const MAX_NODE_CORES = 8;

/** The desk's kind name pinned to worker core `core` (1 … MAX_NODE_CORES - 1) by the node's placement; core 0 runs `cluster-desk`. */
export function deskKindFor(core: number): string {
  return core === 0 ? 'cluster-desk' : `cluster-desk-core${core}`;
}

/** The desk under a kind name per worker core (see {@link deskKindFor}). */
export const coreDesks = Array.from({ length: MAX_NODE_CORES - 1 }, (_, i) => defineKind<DeskRequest, void>(deskKindFor(i + 1), ClusterDesk));

/** What `pd start` loads on every node of the cluster demo (every core of a multi-core node). */
export const kinds = [stockKeeper, paymentGateway, clusterDesk, ...coreDesks];
