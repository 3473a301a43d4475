/**
 * Indexer benchmark (issue #15): prints figures, decides nothing.
 *
 *   npm run bench:indexer                                  # all three parts (~5–8 min with the defaults; load ~2 min)
 *   npm run bench:indexer -- --txs 1000000 --requests 200 --follow-txs 5000
 *   npm run bench:indexer -- --postgres postgres://postgres@127.0.0.1:5432/postgres   # the store on PostgreSQL
 *   npm run bench:indexer -- --parts pages --store /tmp/index-1m.sqlite               # fill once, measure again later
 *   npm run bench:indexer -- --parts load                                             # 10,000 transfers through our node, reconciled
 *
 * 1. follow: the indexing rate (blocks/s, tx/s) of a fresh indexer catching up on a real anvil chain holding
 *    `--follow-txs` ERC-20 transfers (100 per block), fetched over JSON-RPC batches and written through the store.
 * 2. pages: p50/p95 latency of each explorer page over HTTP on a store with `--txs` transactions. 1,000,000 real
 *    transactions would take hours to send through a node here, so the store is filled through the SAME ingest code
 *    (IndexerStore.ingest) from generated blocks: 100 transactions per block, each an ERC-20 transfer (one log) among
 *    20,000 addresses and 10 tokens, one "hot" address in 10 % of them (its history is the deep page).
 * 3. load: our node (one validator process, LevelDB) with an indexer following it while `--load-transfers` ERC-20
 *    transfers among `--load-accounts` accounts are sent as fast as the node takes them; then reconciliation, which
 *    must find 0 mismatches (the run exits non-zero otherwise). See load.ts.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Interface, Wallet, getAddress, hexlify, zeroPadValue, toBeHex } from "ethers";
import { devWallet } from "../../lib/accounts";
import { parseCommandLine, parseInteger } from "../../lib/args";
import { silentLogger } from "../../lib/log";
import { typechain } from "../../lib/typechain";
import { IndexerApi } from "../../services/indexer/api";
import { parseIndexerConfig } from "../../services/indexer/config";
import { ContractCatalog, TRANSFER_TOPIC } from "../../services/indexer/decode";
import { Follower } from "../../services/indexer/follower";
import { indexerMetrics } from "../../services/indexer/metrics";
import { rpc, rpcBatch } from "../../services/indexer/rpc";
import { startServer } from "../../services/indexer/server";
import { openStore, type IndexerStore, type IngestBlock, type IngestTx } from "../../services/indexer/store";
import { machine } from "../machine";
import { startAnvil } from "../node/chains";
import { installCleanup, registerTempDir, stopAll } from "../node/procs";
import { benchLoad } from "./load";

const USAGE = "usage: bench/indexer/bench.ts [--txs N] [--follow-txs N] [--requests N] [--postgres URL | --store FILE.sqlite] [--load-transfers N] [--load-accounts N] [--parts follow,pages,load]";
const ANVIL_CHAIN = 31_337_99n;
const GEN_CHAIN = 424_242;

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
};
const log = (line: string): void => void process.stdout.write(`${line}\n`);

async function openBenchStore(pgUrl: string | undefined, dir: string, name: string): Promise<IndexerStore> {
  if (!pgUrl) return openStore({ kind: "sqlite", path: path.join(dir, `${name}.sqlite`) });
  const store = await openStore({ kind: "postgres", url: pgUrl });
  // a clean slate: this benchmark owns the database it is given
  for (const t of ["idx_chains", "idx_blocks", "idx_txs", "idx_address_txs", "idx_addresses", "idx_logs", "idx_internal_calls", "idx_contracts", "idx_tokens", "idx_token_transfers", "idx_address_transfers", "idx_token_balances", "idx_token_hours", "idx_reconciliations"]) {
    await store.db.run(`DELETE FROM ${t}`);
  }
  return store;
}

// ------------------------------------------------------------------------------------------------------ part 1: follow

async function benchFollow(dir: string, txs: number, pgUrl: string | undefined): Promise<void> {
  const sys = await startAnvil({ dir: path.join(dir, "anvil"), chainId: ANVIL_CHAIN, blockTimeS: null, gasLimit: 30_000_000 });
  const url = sys.urls[0]!;
  const deployer = new Wallet(devWallet(0).privateKey);
  const { IndexerTestToken__factory } = typechain();
  const deployTx = await new IndexerTestToken__factory().getDeployTransaction("Bench Token", "BEN");
  let nonce = 0;
  const fee = { maxFeePerGas: 10_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n, chainId: ANVIL_CHAIN, type: 2 };
  const sign = (to: string | null, data: string, gasLimit: bigint) => deployer.signTransaction({ ...fee, to, data, gasLimit, nonce: nonce++, value: 0n });
  const deployHash = await rpc<string>(url, "eth_sendRawTransaction", [await sign(null, deployTx.data, 3_000_000n)]);
  let receipt: { contractAddress: string } | null = null;
  while (receipt === null) receipt = await rpc<{ contractAddress: string } | null>(url, "eth_getTransactionReceipt", [deployHash]);
  const token = getAddress(receipt.contractAddress);
  const iface = new Interface(["function mint(address,uint256)", "function transfer(address,uint256)"]);
  await rpc(url, "eth_sendRawTransaction", [await sign(token, iface.encodeFunctionData("mint", [deployer.address, 10n ** 30n]), 200_000n)]);
  await rpc(url, "evm_setAutomine", [false]);
  const perBlock = 100;
  const started = Date.now();
  for (let sent = 0; sent < txs; sent += perBlock) {
    const raws: string[] = [];
    for (let i = 0; i < Math.min(perBlock, txs - sent); i++) raws.push(await sign(token, iface.encodeFunctionData("transfer", [hexlify(randomBytes(20)), 1n]), 100_000n));
    const outs = await rpcBatch(url, raws.map((r) => ({ method: "eth_sendRawTransaction", params: [r] })));
    const bad = outs.find((o) => !o.ok);
    if (bad && !bad.ok) throw new Error(`anvil refused a transaction: ${bad.message}`);
    await rpc(url, "evm_mine", []);
  }
  const head = Number(BigInt(await rpc<string>(url, "eth_blockNumber")));
  log(`follow: anvil chain with ${txs} ERC-20 transfers in ${head + 1} blocks (prepared in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  for (const batch of [50, 100]) {
    const store = await openBenchStore(pgUrl, dir, `follow-${batch}`);
    const chain = parseIndexerConfig({ chains: [{ id: Number(ANVIL_CHAIN), name: "anvil", role: "ethereum", rpcUrl: url }] }).chains[0]!;
    const f = new Follower(chain, store, { batchBlocks: batch, pollMs: 100, logger: silentLogger, metrics: indexerMetrics() });
    await f.init();
    const t0 = process.hrtime.bigint();
    while ((await f.step()) > 0) {
      // catching up
    }
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const indexed = (await store.chain(Number(ANVIL_CHAIN)))!;
    log(`follow: batchBlocks=${batch}: ${indexed.indexedHeight + 1} blocks, ${indexed.txCount} txs in ${s.toFixed(2)} s → ${((indexed.indexedHeight + 1) / s).toFixed(0)} blocks/s, ${(indexed.txCount / s).toFixed(0)} tx/s (store: ${pgUrl ? "PostgreSQL" : "SQLite"})`);
    await store.close();
  }
  await stopAll();
}

// ------------------------------------------------------------------------------------------------------- part 2: pages

function generatedBlocks(from: number, count: number, perBlock: number, t0: number, addrs: string[], tokens: string[], hot: string): IngestBlock[] {
  const blocks: IngestBlock[] = [];
  for (let n = from; n < from + count; n++) {
    const txs: IngestTx[] = [];
    for (let i = 0; i < perBlock; i++) {
      const fromA = Math.random() < 0.1 ? hot : addrs[(Math.random() * addrs.length) | 0]!;
      const toA = addrs[(Math.random() * addrs.length) | 0]!;
      const token = tokens[(n * perBlock + i) % tokens.length]!;
      const value = BigInt(1 + ((Math.random() * 1000) | 0));
      const topics = [TRANSFER_TOPIC, zeroPadValue(fromA, 32).toLowerCase(), zeroPadValue(toA, 32).toLowerCase()];
      txs.push({
        hash: hexlify(randomBytes(32)),
        index: i,
        from: fromA,
        to: token,
        contractAddress: null,
        value: 0n,
        status: 1,
        gasUsed: 51_000n,
        gas: 60_000n,
        gasPrice: null,
        maxFeePerGas: 2_000_000_000n,
        maxPriorityFeePerGas: 1_000_000_000n,
        effectiveGasPrice: 1_000_000_000n,
        type: 2,
        nonce: n,
        input: `0xa9059cbb${zeroPadValue(toA, 32).slice(2).toLowerCase()}${zeroPadValue(toBeHex(value), 32).slice(2)}`,
        cumulativeGasUsed: BigInt((i + 1) * 51_000),
        logs: [{ index: i, address: token, topics, data: zeroPadValue(toBeHex(value), 32), transfer: { kind: "erc20", from: fromA, to: toA, value, tokenId: null }, domain: null }],
      });
    }
    blocks.push({
      number: n,
      hash: hexlify(randomBytes(32)),
      parentHash: hexlify(randomBytes(32)),
      timestamp: t0 + n,
      miner: addrs[n % 4]!,
      round: 0,
      gasUsed: perBlock * 51_000,
      gasLimit: 30_000_000,
      baseFeePerGas: 1_000_000_000n,
      extraData: "0x0000000000000000",
      stateRoot: hexlify(randomBytes(32)),
      transactionsRoot: hexlify(randomBytes(32)),
      receiptsRoot: hexlify(randomBytes(32)),
      size: 20_000,
      finality: null,
      txs,
    });
  }
  return blocks;
}

async function benchPages(dir: string, totalTxs: number, requests: number, pgUrl: string | undefined, keep: string | undefined): Promise<void> {
  const store = keep ? await openStore({ kind: "sqlite", path: keep }) : await openBenchStore(pgUrl, dir, "pages");
  const existing = keep ? await store.chain(GEN_CHAIN) : undefined;
  const perBlock = 100;
  const blocks = Math.ceil(totalTxs / perBlock);
  const addrs = Array.from({ length: 20_000 }, () => getAddress(hexlify(randomBytes(20))));
  const tokens = Array.from({ length: 10 }, () => getAddress(hexlify(randomBytes(20))));
  const hot = addrs[0]!;
  const t0 = Math.floor(Date.now() / 1000) - blocks - 10;
  if (existing && existing.txCount >= totalTxs) {
    log(`pages: reusing ${keep} (${existing.txCount} generated transactions in ${existing.indexedHeight + 1} blocks, written earlier through IndexerStore.ingest)`);
  } else {
  if (existing) throw new Error(`${keep} holds ${existing.txCount} transactions, fewer than --txs ${totalTxs}: delete it or lower --txs`);
  await store.registerChain(GEN_CHAIN, "generated", "main", 0);
  log(`pages: filling the store (${pgUrl ? "PostgreSQL" : "SQLite"}) with ${blocks * perBlock} generated transactions in ${blocks} blocks through IndexerStore.ingest (generated: sending 1,000,000 real transactions through a node takes hours here)`);
  const fillStart = Date.now();
  let ingestMs = 0;
  const batch = 100;
  for (let from = 0; from < blocks; from += batch) {
    const bs = generatedBlocks(from, Math.min(batch, blocks - from), perBlock, t0, addrs, tokens, hot);
    const newTokens = from === 0 ? tokens.map((address, i) => ({ address, kind: "erc20" as const, name: `Token ${i}`, symbol: `TK${i}`, decimals: 18 })) : [];
    const a = Date.now();
    await store.ingest(GEN_CHAIN, bs, newTokens);
    ingestMs += Date.now() - a;
    if ((from / batch) % 10 === 9) log(`  … ${(from + batch) * perBlock} transactions (${((Date.now() - fillStart) / 1000).toFixed(0)} s)`);
  }
  const fillS = (Date.now() - fillStart) / 1000;
  log(`pages: filled in ${fillS.toFixed(1)} s; store writes alone ${(ingestMs / 1000).toFixed(1)} s → ${((blocks * perBlock) / (ingestMs / 1000)).toFixed(0)} tx/s, ${(blocks / (ingestMs / 1000)).toFixed(0)} blocks/s through ingest`);
  }

  const chainCfg = parseIndexerConfig({ chains: [{ id: GEN_CHAIN, name: "generated", role: "main", rpcUrl: "http://127.0.0.1:9" }] }).chains;
  const api = new IndexerApi(store, chainCfg, ContractCatalog.load());
  const server = await startServer(api, { host: "127.0.0.1", port: 0, logger: silentLogger, metrics: indexerMetrics() });
  const sampleTx = await store.db.all<{ hash: string; block_number: number }>("SELECT hash, block_number FROM idx_txs WHERE chain_id = ? AND block_number IN (?, ?, ?) LIMIT 50", [GEN_CHAIN, 1, Math.floor(blocks / 2), blocks - 1]);
  const hotRow = await store.db.get<{ address: string }>("SELECT address FROM idx_addresses WHERE chain_id = ? ORDER BY tx_count DESC LIMIT 1", [GEN_CHAIN]);
  const users = (await store.db.all<{ address: string }>("SELECT address FROM idx_addresses WHERE chain_id = ? LIMIT 2000", [GEN_CHAIN])).map((r) => r.address);
  const tokenList = (await store.db.all<{ address: string }>("SELECT address FROM idx_tokens WHERE chain_id = ?", [GEN_CHAIN])).map((r) => r.address);
  // internal calls of these generated transactions cannot be traced (no node has them): cache "none" so the page measures the store
  for (const t of sampleTx) await store.db.run("INSERT INTO idx_internal_calls (chain_id, tx_hash, calls) VALUES (?, ?, '[]') ON CONFLICT (chain_id, tx_hash) DO NOTHING", [GEN_CHAIN, t.hash]);
  const rnd = <T>(xs: T[]): T => xs[(Math.random() * xs.length) | 0]!;
  const deepCursor = `${Math.floor(blocks / 2)}:50`;
  const hotAddr = hotRow!.address;
  const pages: [string, () => string][] = [
    ["chains", () => "/api/v1/chains"],
    ["blocks (latest)", () => "/api/v1/chains/generated/blocks?limit=25"],
    ["blocks (deep page)", () => `/api/v1/chains/generated/blocks?limit=25&before=${(Math.random() * blocks) | 0}`],
    ["block detail", () => `/api/v1/chains/generated/blocks/${(Math.random() * blocks) | 0}`],
    ["transactions (latest)", () => "/api/v1/chains/generated/transactions?limit=25"],
    ["transactions (deep page)", () => `/api/v1/chains/generated/transactions?limit=25&before=${deepCursor}`],
    ["transaction detail", () => `/api/v1/chains/generated/transactions/${rnd(sampleTx).hash}`],
    ["address txs (hot, ~10% of all)", () => `/api/v1/chains/generated/addresses/${hotAddr}/transactions?limit=25`],
    ["address txs (hot, deep page)", () => `/api/v1/chains/generated/addresses/${hotAddr}/transactions?limit=25&cursor=${deepCursor}`],
    ["address txs (random)", () => `/api/v1/chains/generated/addresses/${rnd(users)}/transactions?limit=25`],
    ["address transfers (random)", () => `/api/v1/chains/generated/addresses/${rnd(users)}/transfers?limit=25`],
    ["tokens", () => "/api/v1/chains/generated/tokens"],
    ["token detail", () => `/api/v1/chains/generated/tokens/${rnd(tokenList)}`],
    ["token holders", () => `/api/v1/chains/generated/tokens/${rnd(tokenList)}/holders?limit=25`],
    ["token holders (offset 10000)", () => `/api/v1/chains/generated/tokens/${rnd(tokenList)}/holders?limit=25&offset=10000`],
    ["token transfers", () => `/api/v1/chains/generated/tokens/${rnd(tokenList)}/transfers?limit=25`],
    ["token series (hour)", () => `/api/v1/chains/generated/tokens/${rnd(tokenList)}/series?bucket=hour`],
    ["search (tx hash)", () => `/api/v1/chains/generated/search?q=${rnd(sampleTx).hash}`],
    ["search (symbol)", () => "/api/v1/chains/generated/search?q=TK3"],
    ["stats (1 h / 1 min)", () => "/api/v1/chains/generated/stats?window=3600&bucket=60"],
    ["stats (1 day / 15 min)", () => "/api/v1/chains/generated/stats?window=86400&bucket=900"],
  ];
  log(`pages: ${requests} sequential requests per page over HTTP (${server.url}), ms:`);
  log(`  ${"page".padEnd(34)} ${"p50".padStart(8)} ${"p95".padStart(8)} ${"max".padStart(8)}`);
  let worst = 0;
  for (const [name, make] of pages) {
    const times: number[] = [];
    for (let i = 0; i < requests; i++) {
      const a = process.hrtime.bigint();
      const res = await fetch(`${server.url}${make()}`);
      const body = await res.text();
      if (res.status !== 200) throw new Error(`${name}: HTTP ${res.status}: ${body.slice(0, 300)}`);
      times.push(Number(process.hrtime.bigint() - a) / 1e6);
    }
    const p95 = pct(times, 95);
    worst = Math.max(worst, p95);
    log(`  ${name.padEnd(34)} ${pct(times, 50).toFixed(2).padStart(8)} ${p95.toFixed(2).padStart(8)} ${Math.max(...times).toFixed(2).padStart(8)}`);
  }
  log(`pages: worst p95 ${worst.toFixed(1)} ms (target ≤ 300 ms)`);
  await server.close();
  await store.close();
}

async function main(): Promise<void> {
  const { values } = parseCommandLine(process.argv.slice(2), { txs: { type: "string" }, "follow-txs": { type: "string" }, requests: { type: "string" }, postgres: { type: "string" }, parts: { type: "string" }, store: { type: "string" }, "load-transfers": { type: "string" }, "load-accounts": { type: "string" } }, USAGE);
  const txs = Number(parseInteger("--txs", values.txs ?? "1000000"));
  const followTxs = Number(parseInteger("--follow-txs", values["follow-txs"] ?? "5000"));
  const requests = Number(parseInteger("--requests", values.requests ?? "200"));
  const loadTransfers = Number(parseInteger("--load-transfers", values["load-transfers"] ?? "10000"));
  const loadAccounts = Number(parseInteger("--load-accounts", values["load-accounts"] ?? "1000"));
  const parts = (values.parts ?? "follow,pages,load").split(",");
  const keep = values.store === undefined ? undefined : path.resolve(values.store);
  if (keep && values.postgres) throw new Error("--store (a SQLite file kept between runs) and --postgres exclude each other");
  installCleanup();
  const dir = mkdtempSync(path.join(tmpdir(), "luniverse-bench-indexer-"));
  registerTempDir(dir);
  log(`indexer benchmark on ${machine()}`);
  if (parts.includes("follow")) await benchFollow(dir, followTxs, values.postgres);
  if (parts.includes("pages")) await benchPages(dir, txs, requests, values.postgres, keep);
  if (parts.includes("load")) {
    const { problems } = await benchLoad(dir, { transfers: loadTransfers, accounts: loadAccounts, clients: 2, batch: 200, log });
    if (problems > 0) process.exitCode = 1;
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`error: ${(e as Error).message}\n`);
  process.exit(1);
});
