/**
 * eth_subscribe over WebSocket: `newHeads` (one notification per new head, the header without its transaction
 * list) and `logs` (one notification per matching log). Subscriptions belong to a connection and are removed
 * when it closes.
 */
import { randomBytes } from "node:crypto";
import { RpcError, SERVER_ERROR } from "./errors";
import { matchLog, type LogCriteria } from "./logFilter";
import type { Hex, RpcBlock, RpcLog } from "./types";

export type SubscriptionKind = "newHeads" | "logs";

/** Where notifications go: one WebSocket connection. */
export interface NotificationTarget {
  send(message: string): void;
}

/** What a method handler sees of its connection's subscriptions. */
export interface SubscriptionSink {
  subscribe(kind: SubscriptionKind, criteria: LogCriteria | undefined): Hex;
  unsubscribe(id: string): boolean;
}

interface Subscription {
  target: NotificationTarget;
  kind: SubscriptionKind;
  criteria?: LogCriteria;
  /**
   * Notifications held until the eth_subscribe answer is on the wire (`release`), so a client never sees a
   * notification for an id it has not been given yet.
   */
  held?: string[];
}

/** Most notifications held for a subscription whose answer is not sent yet. */
const MAX_HELD = 10_000;

/** The header of a block as geth's newHeads sends it: no transactions, uncles or size. */
export function headerOf(block: RpcBlock): Omit<RpcBlock, "transactions" | "uncles" | "size"> {
  const { transactions: _t, uncles: _u, size: _s, ...header } = block;
  return header;
}

export class SubscriptionHub {
  private readonly subs = new Map<string, Subscription>();

  constructor(private readonly maxPerConnection = 1_000) {}

  get size(): number {
    return this.subs.size;
  }

  /** The subscriptions of one connection, as its method handlers see them. */
  sinkFor(target: NotificationTarget): SubscriptionSink {
    return {
      subscribe: (kind, criteria) => {
        let mine = 0;
        for (const s of this.subs.values()) if (s.target === target) mine++;
        if (mine >= this.maxPerConnection) throw new RpcError(SERVER_ERROR, `too many subscriptions on this connection (${this.maxPerConnection}); unsubscribe unused ones`);
        const id: Hex = `0x${randomBytes(16).toString("hex")}`;
        this.subs.set(id, { target, kind, held: [], ...(criteria ? { criteria } : {}) });
        return id;
      },
      unsubscribe: (id) => {
        const s = this.subs.get(id.toLowerCase());
        if (s === undefined || s.target !== target) return false;
        return this.subs.delete(id.toLowerCase());
      },
    };
  }

  /** Sends what was held for a connection's new subscriptions; called after each answer to it is sent. */
  release(target: NotificationTarget): void {
    for (const s of this.subs.values()) {
      if (s.target !== target || s.held === undefined) continue;
      const held = s.held;
      delete s.held;
      for (const message of held) target.send(message);
    }
  }

  /** Removes every subscription of a closed connection. */
  drop(target: NotificationTarget): void {
    for (const [id, s] of this.subs) if (s.target === target) this.subs.delete(id);
  }

  private notify(s: Subscription, id: string, result: unknown): void {
    const message = JSON.stringify({ jsonrpc: "2.0", method: "eth_subscription", params: { subscription: id, result } });
    if (s.held === undefined) s.target.send(message);
    else if (s.held.length < MAX_HELD) s.held.push(message);
  }

  onNewHead(block: RpcBlock): void {
    let header: unknown;
    for (const [id, s] of this.subs) {
      if (s.kind !== "newHeads") continue;
      header ??= headerOf(block);
      this.notify(s, id, header);
    }
  }

  onLogs(logs: RpcLog[]): void {
    for (const [id, s] of this.subs) {
      if (s.kind !== "logs") continue;
      for (const log of logs) if (matchLog(log, s.criteria?.address, s.criteria?.topics)) this.notify(s, id, log);
    }
  }

  clear(): void {
    this.subs.clear();
  }
}
