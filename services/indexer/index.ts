/**
 * The indexer as a library: `runIndexer(config)` opens the store (SQLite embedded, or PostgreSQL), starts one
 * follower per chain, the reconciliation (after each catch-up, then at most every `reconcileEveryMs` while blocks
 * come) and the HTTP API. Used by `services/indexer/main.ts`, the devnet, the benchmark and the tests.
 */
import path from "node:path";
import { readJsonFile } from "../../lib/config";
import { silentLogger, type Logger } from "../../lib/log";
import { IndexerApi } from "./api";
import { parseIndexerConfig, storeUrl, type IndexerConfig } from "./config";
import { ContractCatalog } from "./decode";
import { Follower } from "./follower";
import { indexerMetrics, type IndexerMetrics } from "./metrics";
import { reconcileChain, type TokenReconciliation } from "./reconcile";
import { startServer } from "./server";
import { openStore, type IndexerStore } from "./store";

export { parseIndexerConfig, type IndexerConfig } from "./config";

export interface RunIndexerOptions {
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** Start the followers (default true; false serves what the store holds). */
  follow?: boolean;
}

export interface IndexerHandle {
  /** `http://host:port` of the API. */
  url: string;
  port: number;
  store: IndexerStore;
  api: IndexerApi;
  followers: Follower[];
  metrics: IndexerMetrics;
  /** Reconciles one chain now (by id) and returns the results. */
  reconcile(chainId: number): Promise<TokenReconciliation[]>;
  close(): Promise<void>;
}

export async function runIndexer(config: IndexerConfig, options: RunIndexerOptions = {}): Promise<IndexerHandle> {
  const logger = options.logger ?? silentLogger;
  const metrics = indexerMetrics();
  const store = await openStore(config.store.kind === "sqlite" ? { kind: "sqlite", path: config.store.path } : { kind: "postgres", url: storeUrl(config.store, options.env)! });
  const catalog = ContractCatalog.load();
  if (catalog.size === 0) logger.warn("contract bindings (typechain-types/) missing: inputs and logs are not decoded; run npx hardhat compile");
  const reconciling = new Map<number, Promise<TokenReconciliation[]>>();
  const lastReconciled = new Map<number, number>();
  const reconcile = (chainId: number): Promise<TokenReconciliation[]> => {
    const running = reconciling.get(chainId);
    if (running) return running;
    const chain = config.chains.find((c) => c.id === chainId)!;
    const p = reconcileChain(store, chainId, chain.rpcUrl, { maxHolders: config.reconcileHolders, logger })
      .then((results) => {
        lastReconciled.set(chainId, Date.now());
        metrics.reconcileMismatches.set({ chain: chain.name }, results.reduce((n, r) => n + r.mismatches.length, 0));
        return results;
      })
      .finally(() => reconciling.delete(chainId));
    reconciling.set(chainId, p);
    return p;
  };
  const onCaughtUp = (chainId: number): void => {
    const last = lastReconciled.get(chainId);
    if (last !== undefined && (config.reconcileEveryMs === 0 || Date.now() - last < config.reconcileEveryMs)) return;
    if (reconciling.has(chainId)) return;
    lastReconciled.set(chainId, Date.now());
    reconcile(chainId).catch((e: unknown) => logger.warn("reconciliation failed", { chainId, error: e }));
  };
  const followers = config.chains.map((c) => new Follower(c, store, { batchBlocks: config.batchBlocks, pollMs: config.pollMs, logger: logger.child("follower", { chain: c.name }), metrics, onCaughtUp }));
  const api = new IndexerApi(store, config.chains, catalog);
  let server;
  try {
    for (const f of followers) await f.init();
    server = await startServer(api, { host: config.listen.host, port: config.listen.port, logger, metrics });
  } catch (e) {
    await store.close();
    throw e;
  }
  if (options.follow !== false) for (const f of followers) f.start();
  let closed = false;
  return {
    url: server.url,
    port: server.port,
    store,
    api,
    followers,
    metrics,
    reconcile,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(followers.map((f) => f.stop()));
      await server.close();
      await Promise.allSettled([...reconciling.values()]);
      await store.close();
    },
  };
}

/** Reads the config file (relative paths from its folder) and starts the indexer. */
export async function runIndexerFile(configFile: string, options: RunIndexerOptions = {}): Promise<IndexerHandle> {
  const config = parseIndexerConfig(readJsonFile(configFile, "indexer config"), path.dirname(path.resolve(configFile)));
  return runIndexer(config, options);
}
