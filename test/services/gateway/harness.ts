/**
 * Gateways for the tests: a replica in this process in front of given nodes, with a store (a temporary SQLite file by
 * default, or a given one — e.g. the PostgreSQL server the scale-out tests start), keys created straight in the store
 * and an admin token.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseGatewayConfig } from "../../../services/gateway/config";
import { startGateway, type Gateway } from "../../../services/gateway/gateway";
import { createKey, hashSecret, type KeyFields } from "../../../services/gateway/keys";
import { openStore } from "../../../services/gateway/store";
import type { ApiKey, GatewayStore } from "../../../services/gateway/types";

export const ADMIN_TOKEN = "test-admin-token-0123456789";

export interface TestGateway {
  gw: Gateway;
  store: GatewayStore;
  /** Creates an active key in the store and waits until this replica knows it. */
  key(dapp: string, fields: KeyFields, secret?: string): Promise<ApiKey>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  /** The config, as a JSON file would hold it (listen defaults to 127.0.0.1:0, the store to a temporary SQLite file). */
  config: Record<string, unknown>;
  /** A store to share (not closed by close()). */
  store?: GatewayStore;
  replicaId?: string;
}

export async function startTestGateway(opts: TestGatewayOptions): Promise<TestGateway> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "gateway-test-"));
  const config = parseGatewayConfig({ listen: { host: "127.0.0.1", port: 0 }, store: { kind: "sqlite", path: path.join(dir, "gateway.sqlite") }, log: { flushMs: 50, rollupMs: 1_000 }, ...opts.config }, dir);
  const own = opts.store === undefined;
  const store = opts.store ?? (await openStore({ kind: "sqlite", path: (config.store as { path: string }).path }));
  const gw = await startGateway(config, { store, adminToken: ADMIN_TOKEN, ...(opts.replicaId ? { replicaId: opts.replicaId } : {}) });
  return {
    gw,
    store,
    async key(dapp, fields, secret) {
      const k = createKey(dapp, fields, (c) => gw.internals.resolveChain(c)?.id ?? null, config.defaultKeyLimits);
      if (secret !== undefined) k.secretHash = hashSecret(secret);
      await store.putKey(k);
      await gw.internals.reloadKey(k.key);
      return k;
    },
    async close() {
      await gw.close();
      if (own) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `ws://…` of a gateway's JSON-RPC path. */
export function wsUrl(gw: Gateway, chain: string, key: string): string {
  return gw.rpcUrl(chain, key).replace(/^http/, "ws");
}
