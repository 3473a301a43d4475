/**
 * The indexer against a real anvil chain (one per file) with an embedded SQLite store: ERC-20/721 transfers and exact
 * holder counts, reconciliation (0 mismatches, and a token whose balances change without events caught), restart
 * without duplicates, catch-up from a chosen height, the HTTP API and its refusals, the config's refusals.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { ZeroAddress, getAddress } from "ethers";
import type * as Api from "../../../lib/indexerApi";
import type { IndexerHandle } from "../../../services/indexer";
import { parseIndexerConfig } from "../../../services/indexer/config";
import { GiveUp, kill, start, startAnvil, stop, waitFor, type Proc } from "../anchor/processes";
import { as, chainClient, deploy, head, freePort, get, indexedTo, send, startIndexer, type AnyContract, type Chain } from "./harness";

const CHAIN_ID = 31_337_15;

describe("indexer on anvil (SQLite store)", function () {
  this.timeout(120_000);
  let anvil: Proc;
  let chain: Chain;
  let dir: string;
  let ix: IndexerHandle;
  let token: AnyContract;
  let nft: AnyContract;
  let A: string, B: string, C: string;
  const storePath = () => path.join(dir, "index.sqlite");
  const chainSpec = () => ({ id: CHAIN_ID, name: "anvil", role: "ethereum" as const, rpcUrl: chain.url });

  before(async () => {
    const port = await freePort();
    anvil = await startAnvil("anvil", port, CHAIN_ID);
    chain = chainClient(`http://127.0.0.1:${port}`, CHAIN_ID);
    [A, B, C] = chain.addresses as [string, string, string];
    dir = mkdtempSync(path.join(tmpdir(), "luniverse-indexer-"));
    token = await deploy(chain.signers[0]!, "IndexerTestToken", ["Indexer Test", "IXT"]);
    nft = await deploy(chain.signers[0]!, "IndexerTestNft");
    ix = await startIndexer({ chains: [chainSpec()], store: { kind: "sqlite", path: storePath() } });
  });
  after(async () => {
    await ix?.close();
    await kill(anvil);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const tokenAddr = () => getAddress(String(token.target));
  const nftAddr = () => getAddress(String(nft.target));
  async function settle(): Promise<number> {
    const h = await head(chain);
    await indexedTo(ix, CHAIN_ID, h);
    return h;
  }
  async function tokenInfo(address: string): Promise<Api.TokenDetail> {
    const r = await get<Api.TokenDetail>(ix, `/api/v1/chains/anvil/tokens/${address}`);
    expect(r.status).to.equal(200);
    return r.body;
  }

  it("counts ERC-20 holders exactly through mint, transfer, transfer to self, zero-amount transfer and burn", async () => {
    const [sA, sB] = chain.signers as [typeof chain.signers[0], typeof chain.signers[0]];
    await send(as(token, sA).mint(A, 1000n));
    await send(as(token, sA).mint(B, 500n));
    await settle();
    expect((await tokenInfo(tokenAddr())).holders).to.equal(2);
    await send(as(token, sA).transfer(C, 100n)); // new holder C
    await send(as(token, sA).transfer(A, 50n)); // to self: nothing changes
    await send(as(token, sA).transfer(C, 0n)); // zero amount: nothing changes
    await send(as(token, sA).transfer(getAddress("0x00000000000000000000000000000000000000aa"), 0n)); // zero amount to a new address: not a holder
    await settle();
    let t = await tokenInfo(tokenAddr());
    expect(t.holders).to.equal(3);
    expect(t.totalSupply).to.equal("1500");
    expect(t.transfers).to.equal(6);
    expect(t.kind).to.equal("erc20");
    expect(t.symbol).to.equal("IXT");
    expect(t.decimals).to.equal(18);
    await send(as(token, sB).burn(500n)); // B burns everything: no longer a holder
    await settle();
    t = await tokenInfo(tokenAddr());
    expect(t.holders).to.equal(2);
    expect(t.totalSupply).to.equal("1000");
    const holders = await get<Api.Page<Api.TokenHolder>>(ix, `/api/v1/chains/anvil/tokens/${tokenAddr()}/holders?limit=10`);
    expect(holders.body.items).to.deep.equal([
      { address: A, balance: "900", share: 90 },
      { address: C, balance: "100", share: 10 },
    ]);
    const transfers = await get<Api.Page<Api.TokenTransfer>>(ix, `/api/v1/chains/anvil/tokens/${tokenAddr()}/transfers?limit=2`);
    expect(transfers.body.items.map((x) => [x.from, x.to, x.value])).to.deep.equal([[B, ZeroAddress, "500"], [A, "0x00000000000000000000000000000000000000aA", "0"]]);
    expect(transfers.body.nextCursor).to.be.a("string");
    const next = await get<Api.Page<Api.TokenTransfer>>(ix, `/api/v1/chains/anvil/tokens/${tokenAddr()}/transfers?limit=2&cursor=${transfers.body.nextCursor}`);
    expect(next.body.items.map((x) => [x.to, x.value])).to.deep.equal([[C, "0"], [A, "50"]]);
  });

  it("indexes ERC-721 transfers: holders by token count, burn removes the holder", async () => {
    const [sA, sB] = chain.signers as [typeof chain.signers[0], typeof chain.signers[0]];
    await send(as(nft, sA).mint(A, 1n));
    await send(as(nft, sA).mint(A, 2n));
    await send(as(nft, sA).mint(B, 3n));
    await send(as(nft, sA).transferFrom(A, C, 2n));
    await send(as(nft, sB).burn(3n));
    await settle();
    const t = await tokenInfo(nftAddr());
    expect(t.kind).to.equal("erc721");
    expect(t.holders).to.equal(2);
    expect(t.totalSupply).to.equal("2");
    const transfers = await get<Api.Page<Api.TokenTransfer>>(ix, `/api/v1/chains/anvil/tokens/${nftAddr()}/transfers`);
    expect(transfers.body.items[0]).to.include({ from: B, to: ZeroAddress, tokenId: "3", value: "1", kind: "erc721" });
    const addr = await get<Api.AddressDetail>(ix, `/api/v1/chains/anvil/addresses/${C}`);
    expect(addr.body.tokenBalances.map((b) => [b.token, b.balance]).sort()).to.deep.equal([[nftAddr(), "1"], [tokenAddr(), "100"]].sort());
  });

  it("reconciles every token with 0 mismatches, then catches a balance changed without a Transfer event", async () => {
    await settle();
    const ok = await ix.reconcile(CHAIN_ID);
    expect(ok.map((r) => [r.token, r.status, r.mismatches.length]).sort()).to.deep.equal([[nftAddr(), "ok", 0], [tokenAddr(), "ok", 0]].sort());
    await send(as(token, chain.signers[0]!).skew(C, 7n));
    const h = await settle();
    const bad = (await ix.reconcile(CHAIN_ID)).find((r) => r.token === tokenAddr())!;
    expect(bad.status).to.equal("mismatch");
    expect(bad.block).to.equal(h);
    expect(bad.mismatches).to.deep.include({ kind: "totalSupply", holder: null, indexed: "1000", onChain: "1007" });
    expect(bad.mismatches).to.deep.include({ kind: "balance", holder: C, indexed: "100", onChain: "107" });
    const list = await get<Api.TokenSummary[]>(ix, "/api/v1/chains/anvil/tokens");
    expect(list.body.find((t) => t.address === tokenAddr())!.reconciliation).to.include({ status: "mismatch", mismatches: 2, block: h });
    const all = await get<Api.ReconciliationRow[]>(ix, "/api/v1/reconciliation");
    expect(all.body.find((r) => r.token === nftAddr())!.reconciliation.status).to.equal("ok");
  });

  it("resumes after a restart without duplicates and indexes what came meanwhile", async () => {
    await settle();
    await ix.close();
    const [sA] = chain.signers as [typeof chain.signers[0]];
    for (let i = 0; i < 5; i++) await send(as(token, sA).transfer(B, 1n));
    ix = await startIndexer({ chains: [chainSpec()], store: { kind: "sqlite", path: storePath() } });
    const h = await settle();
    const db = ix.store.db;
    const txs = await db.get<{ n: number; d: number }>("SELECT COUNT(*) AS n, COUNT(DISTINCT hash) AS d FROM idx_txs WHERE chain_id = ?", [CHAIN_ID]);
    let onChain = 0;
    for (let n = 0; n <= h; n++) onChain += (await chain.provider.getBlock(n))!.transactions.length;
    expect(txs).to.deep.equal({ n: onChain, d: onChain });
    const blocks = await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM idx_blocks WHERE chain_id = ?", [CHAIN_ID]);
    expect(blocks!.n).to.equal(h + 1);
    const t = await tokenInfo(tokenAddr());
    expect(t.holders).to.equal(3); // A, B (back), C
    expect(t.transfers).to.equal(7 + 5);
  });

  it("catches up from a configured start height into a fresh store", async () => {
    const h = await head(chain);
    const start = h - 3;
    const fresh = await startIndexer({ chains: [{ ...chainSpec(), startHeight: start }], store: { kind: "sqlite", path: path.join(dir, "fresh.sqlite") }, batchBlocks: 2 });
    try {
      await indexedTo(fresh, CHAIN_ID, h);
      const range = await fresh.store.db.get<{ lo: number; hi: number; n: number }>("SELECT MIN(number) AS lo, MAX(number) AS hi, COUNT(*) AS n FROM idx_blocks WHERE chain_id = ?", [CHAIN_ID]);
      expect(range).to.deep.equal({ lo: start, hi: h, n: 4 });
      const blocks = await get<Api.Page<Api.BlockSummary>>(fresh, "/api/v1/chains/anvil/blocks?limit=10");
      expect(blocks.body.items.map((b) => b.number)).to.deep.equal([h, h - 1, h - 2, h - 3]);
    } finally {
      await fresh.close();
    }
  });

  it("reads receipts per transaction from a node without eth_getBlockReceipts, and writes the same rows", async () => {
    const h = await settle();
    // a JSON-RPC proxy in front of anvil that answers eth_getBlockReceipts as a node without it does (-32601)
    const asked: string[] = [];
    const proxy = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const parsed = JSON.parse(body) as { id: number; method: string }[] | { id: number; method: string };
        const list = Array.isArray(parsed) ? parsed : [parsed];
        asked.push(...list.map((r) => r.method));
        const missing = (r: { id: number }) => ({ jsonrpc: "2.0", id: r.id, error: { code: -32601, message: "the method eth_getBlockReceipts does not exist/is not available" } });
        const forward = list.filter((r) => r.method !== "eth_getBlockReceipts");
        void (async () => {
          const answered = forward.length === 0 ? [] : ((await (await fetch(chain.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(forward) })).json()) as { id: number }[]);
          const byId = new Map(answered.map((a) => [a.id, a]));
          const out = list.map((r) => (r.method === "eth_getBlockReceipts" ? missing(r) : byId.get(r.id)));
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify(Array.isArray(parsed) ? out : out[0]));
        })();
      });
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const fallback = await startIndexer({ chains: [{ ...chainSpec(), rpcUrl: url }], store: { kind: "sqlite", path: path.join(dir, "per-tx.sqlite") } });
    try {
      await indexedTo(fallback, CHAIN_ID, h);
      expect(asked).to.include("eth_getBlockReceipts");
      expect(asked).to.include("eth_getTransactionReceipt");
      const rows = async (x: IndexerHandle) => ({
        txs: await x.store.db.all("SELECT hash, status, gas_used, cumulative_gas_used, contract_address FROM idx_txs WHERE chain_id = ? AND block_number <= ? ORDER BY block_number, idx", [CHAIN_ID, h]),
        logs: await x.store.db.all("SELECT block_number, log_index, tx_hash, address, topics, data FROM idx_logs WHERE chain_id = ? AND block_number <= ? ORDER BY block_number, log_index", [CHAIN_ID, h]),
        transfers: await x.store.db.all("SELECT block_number, log_index, token, from_addr, to_addr, value FROM idx_token_transfers WHERE chain_id = ? AND block_number <= ? ORDER BY block_number, log_index", [CHAIN_ID, h]),
      });
      const [theirs, ours] = [await rows(fallback), await rows(ix)];
      expect(theirs.txs.length).to.be.greaterThan(0);
      expect(theirs).to.deep.equal(ours);
    } finally {
      await fallback.close();
      await new Promise((r) => proxy.close(r));
    }
  });

  it("answers the explorer pages: chains, blocks, block, transactions, transaction, address history, search, stats", async () => {
    const h = await settle();
    const chains = await get<Api.ChainSummary[]>(ix, "/api/v1/chains");
    expect(chains.body).to.have.length(1);
    expect(chains.body[0]).to.include({ chainId: CHAIN_ID, name: "anvil", role: "ethereum", indexedHeight: h });
    const page = await get<Api.Page<Api.BlockSummary>>(ix, `/api/v1/chains/${CHAIN_ID}/blocks?limit=3`);
    expect(page.body.items.map((b) => b.number)).to.deep.equal([h, h - 1, h - 2]);
    const older = await get<Api.Page<Api.BlockSummary>>(ix, `/api/v1/chains/anvil/blocks?limit=3&before=${page.body.nextCursor}`);
    expect(older.body.items[0]!.number).to.equal(h - 3);
    const block = await get<Api.BlockDetail>(ix, `/api/v1/chains/anvil/blocks/${h}`);
    expect(block.body.txCount).to.equal(1);
    expect(block.body.round).to.equal(null);
    const byHash = await get<Api.BlockDetail>(ix, `/api/v1/chains/anvil/blocks/${block.body.hash}`);
    expect(byHash.body.number).to.equal(h);
    const txHash = block.body.transactions[0]!.hash;
    const tx = await get<Api.TransactionDetail>(ix, `/api/v1/chains/anvil/transactions/${txHash}`);
    expect(tx.body).to.include({ hash: txHash, blockNumber: h, status: 1, to: tokenAddr(), from: A });
    // a token made without a manifest entry is recognised by its bytecode: input and logs decoded
    expect(tx.body.decodedInput).to.deep.include({ contract: "IndexerTestToken", function: "transfer" });
    expect(tx.body.decodedInput!.args).to.deep.equal([{ name: "to", type: "address", value: B }, { name: "value", type: "uint256", value: "1" }]);
    expect(tx.body.logs[0]!.decoded).to.include({ event: "Transfer" });
    expect(tx.body.tokenTransfers).to.have.length(1);
    // anvil serves debug_traceTransaction: the call tree, fetched on first view and cached in the store
    expect(tx.body.internalCalls![0]).to.include({ index: 0, depth: 0, type: "CALL", from: A, to: tokenAddr(), error: null });
    expect(await ix.store.db.get("SELECT tx_hash FROM idx_internal_calls WHERE chain_id = ? AND tx_hash = ?", [CHAIN_ID, txHash])).to.deep.equal({ tx_hash: txHash });
    const list = await get<Api.Page<Api.TransactionSummary>>(ix, "/api/v1/chains/anvil/transactions?limit=2");
    expect(list.body.items[0]!.hash).to.equal(txHash);
    const hist = await get<Api.Page<Api.TransactionSummary>>(ix, `/api/v1/chains/anvil/addresses/${B}/transactions?limit=100`);
    expect(hist.body.items.every((t) => t.from === B || t.to === B)).to.equal(true);
    const addr = await get<Api.AddressDetail>(ix, `/api/v1/chains/anvil/addresses/${tokenAddr()}`);
    expect(addr.body).to.include({ isContract: true, address: tokenAddr() });
    expect(addr.body.contract).to.include({ name: "IndexerTestToken", source: "bytecode" });
    expect(addr.body.creator).to.include({ address: A });
    expect((await get<Api.SearchResult>(ix, `/api/v1/chains/anvil/search?q=${h}`)).body).to.deep.equal({ kind: "block", value: String(h), chain: CHAIN_ID });
    expect((await get<Api.SearchResult>(ix, `/api/v1/chains/anvil/search?q=${txHash}`)).body.kind).to.equal("transaction");
    expect((await get<Api.SearchResult>(ix, `/api/v1/chains/anvil/search?q=${B.toLowerCase()}`)).body).to.deep.equal({ kind: "address", value: B, chain: CHAIN_ID });
    expect((await get<Api.SearchResult>(ix, "/api/v1/chains/anvil/search?q=ixt")).body).to.deep.equal({ kind: "token", value: tokenAddr(), chain: CHAIN_ID });
    expect((await get<Api.SearchResult>(ix, "/api/v1/chains/anvil/search?q=nothing-like-this")).body.kind).to.equal("none");
    const stats = await get<Api.StatsResult>(ix, "/api/v1/chains/anvil/stats?window=3600&bucket=600");
    expect(stats.body.series).to.have.length(6);
    expect(stats.body.series.reduce((n, p) => n + p.blocks, 0), JSON.stringify(stats.body).slice(0, 600)).to.be.greaterThan(0);
    const series = await get<Api.TokenSeriesPoint[]>(ix, `/api/v1/chains/anvil/tokens/${tokenAddr()}/series?bucket=day`);
    expect(series.body.reduce((n, p) => n + p.transfers, 0)).to.equal(12);
    const validators = await get<Api.ValidatorsResult>(ix, "/api/v1/chains/anvil/validators");
    expect(validators.body.supported).to.equal(false);
  });

  it("refuses bad input with 400 and a message, and unknown things with 404", async () => {
    const cases: [string, number, RegExp][] = [
      ["/api/v1/chains/anvil/addresses/0x1234", 400, /not an address.*40 hex digits/],
      ["/api/v1/chains/anvil/blocks/999999999", 404, /block 999999999 is not indexed/],
      ["/api/v1/chains/anvil/blocks/latest", 400, /neither a block number/],
      ["/api/v1/chains/anvil/blocks?limit=101", 400, /limit must be an integer from 1 to 100, got "101"/],
      ["/api/v1/chains/anvil/transactions?before=abc", 400, /cursor "block:index"/],
      [`/api/v1/chains/anvil/transactions/0x${"ab".repeat(32)}`, 404, /not indexed/],
      ["/api/v1/chains/anvil/transactions/0x12", 400, /not a transaction hash/],
      ["/api/v1/chains/nope/blocks", 404, /unknown chain "nope": use one of 3133715 \(anvil\)/],
      [`/api/v1/chains/anvil/tokens/${B}`, 404, /not a token indexed/],
      [`/api/v1/chains/anvil/tokens/${tokenAddr()}/series?bucket=week`, 400, /bucket must be "hour" or "day"/],
      ["/api/v1/chains/anvil/stats?window=100000&bucket=1", 400, /at most 1000/],
      ["/api/v1/chains/anvil/search", 400, /q is required/],
      ["/api/v1/nothing", 404, /no such endpoint/],
    ];
    for (const [p, status, message] of cases) {
      const r = await get<Api.ApiError>(ix, p);
      expect(r.status, p).to.equal(status);
      expect(r.body.error.message, p).to.match(message);
      expect(r.body.error.code, p).to.equal(status === 400 ? "INDEXER_BAD_REQUEST" : "INDEXER_NOT_FOUND");
    }
  });

  it("serves /health and Prometheus /metrics", async () => {
    const h = await settle();
    const health = await get<Api.HealthResult>(ix, "/health");
    expect(health.body.ok).to.equal(true);
    expect(health.body.chains[0]).to.include({ chainId: CHAIN_ID, indexedHeight: h });
    const text = await (await fetch(`${ix.url}/metrics`)).text();
    expect(text).to.match(new RegExp(`indexer_indexed_height\\{chain="anvil"\\} ${h}`));
    expect(text).to.match(/indexer_api_requests_total\{route="health",status="200"\} \d+/);
  });

  it("runs as a process: main.ts prints its URL when ready, serves, stops on SIGTERM; a bad config exits 1 naming the key", async () => {
    const cfg = path.join(dir, "indexer.json");
    writeFileSync(cfg, JSON.stringify({ chains: [chainSpec()], store: { kind: "sqlite", path: "proc.sqlite" }, listen: { host: "127.0.0.1", port: await freePort() } }));
    const p = start("indexer", process.execPath, ["-r", "ts-node/register/transpile-only", "services/indexer/main.ts", "--config", cfg], { TS_NODE_TRANSPILE_ONLY: "1" });
    try {
      const line = await waitFor("indexer listening", async () => {
        if (p.child.exitCode !== null) throw new GiveUp(p.output());
        return p.lines.find((l) => l.startsWith("indexer listening on http://127.0.0.1:"));
      }, 60_000);
      const url = line.slice("indexer listening on ".length);
      const chains = (await (await fetch(`${url}/api/v1/chains`)).json()) as Api.ChainSummary[];
      expect(chains[0]).to.include({ chainId: CHAIN_ID, name: "anvil" });
      expect(await stop(p)).to.equal(0);
    } finally {
      await kill(p);
    }
    writeFileSync(cfg, JSON.stringify({ chains: [chainSpec()], store: { kind: "sqlite", path: "proc.sqlite" }, listen: { host: "127.0.0.1", prot: 1 } }));
    const bad = start("indexer-bad", process.execPath, ["-r", "ts-node/register/transpile-only", "services/indexer/main.ts", "--config", cfg], { TS_NODE_TRANSPILE_ONLY: "1" });
    expect(await bad.exited).to.equal(1);
    expect(bad.output()).to.match(/listen\.prot: unknown key \(did you mean "listen\.port"\?\)/);
  });

  it("refuses to start when a node serves another chain id; a node that is down only delays its chain", async () => {
    let err: Error | undefined;
    await startIndexer({ chains: [{ ...chainSpec(), id: 999 }], store: { kind: "sqlite", path: path.join(dir, "wrong.sqlite") } }).catch((e: Error) => (err = e));
    expect(err?.message).to.match(/serves chain 3133715, not 999; fix chains\[\]\.id or chains\[\]\.rpcUrl/);
    const down = await startIndexer({ chains: [chainSpec(), { id: 4242, name: "down", role: "product", rpcUrl: `http://127.0.0.1:${await freePort()}` }], store: { kind: "sqlite", path: path.join(dir, "down.sqlite") } });
    try {
      await indexedTo(down, CHAIN_ID, await head(chain));
      const chains = await get<Api.ChainSummary[]>(down, "/api/v1/chains");
      expect(chains.body.find((c) => c.name === "down")).to.include({ indexedHeight: -1 });
    } finally {
      await down.close();
    }
  });

  it("refuses a config with an unknown key, a bad role, a duplicate chain or a postgres store without URL", () => {
    const base = { chains: [{ id: 1, name: "a", role: "main", rpcUrl: "http://127.0.0.1:1" }], store: { kind: "sqlite", path: "x.sqlite" } };
    expect(() => parseIndexerConfig({ ...base, pollMS: 5 })).to.throw(/pollMS: unknown key \(did you mean "pollMs"\?\)/);
    expect(() => parseIndexerConfig({ ...base, chains: [{ ...base.chains[0], role: "side" }] })).to.throw(/chains\[0\]\.role: expected one of main, product, ethereum/);
    expect(() => parseIndexerConfig({ ...base, chains: [base.chains[0], { ...base.chains[0], name: "b" }] })).to.throw(/chain 1 is listed twice/);
    expect(() => parseIndexerConfig({ ...base, store: { kind: "postgres" } })).to.throw(/exactly one of store\.url/);
    expect(() => parseIndexerConfig({ ...base, chains: [{ ...base.chains[0], rpcUrl: "ws://x" }] })).to.throw(/rpcUrl: expected an http\(s\):\/\/ JSON-RPC URL/);
    expect(parseIndexerConfig(base).batchBlocks).to.equal(100);
  });
});
