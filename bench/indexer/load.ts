/**
 * Part `load` of the indexer benchmark (issue #15's "0 mismatches after a 10,000-transfer load"): our node (one
 * validator process, LevelDB in the run's temp folder, genesis built by `node:genesis` as bench/node does) with an
 * indexer (runIndexer, SQLite in the temp folder, the documented defaults) following it while the bench sends
 * `transfers` ERC-20 transfers among `accounts` accounts as pre-signed raw transactions, pipelined in JSON-RPC
 * batches. Then: wait until the indexer has the head, reconcile, and compare the indexed balances and holder count with
 * what the bench computed from what it sent. A second, fresh indexer then catches up on the same chain from block 0
 * (its rate on a chain of our node, not bounded by the node's block production).
 *
 * Token: contracts/test/IndexerTestToken.sol (OpenZeppelin ERC20, anyone mints, holders burn). The mix: a random
 * amount up to what the sender still has (its mint minus what it already sent, so every transfer succeeds in
 * whatever order the node includes them), ~5 % to oneself, ~5 % of amount 0 (also from accounts that hold nothing),
 * ~5 % sending the whole rest (a holder leaves), ~3 % burns, and ~0.5 % transfers of more than the supply that must
 * revert (no log, no balance change).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { AbiCoder, getCreateAddress } from "ethers";
import { silentLogger } from "../../lib/log";
import { parseIndexerConfig, runIndexer, type IndexerHandle } from "../../services/indexer";
import { Follower } from "../../services/indexer/follower";
import { indexerMetrics } from "../../services/indexer/metrics";
import { rpcBatch } from "../../services/indexer/rpc";
import { openStore, type IndexerStore } from "../../services/indexer/store";
import { genesisFile, logProblems, REPO, startLuniverse, type System } from "../node/chains";
import { BlockTracker, sendAndWait, sleep } from "../node/measure";
import { stopProc } from "../node/procs";
import { RpcClient } from "../node/rpc";
import { addressOf, devAccounts, erc20, GAS, MAX_FEE, Signer, transferData, type Account, type Hex, type SignedTx } from "../node/workload";
import { keccak256 } from "../../node/execution/common";

export interface LoadOptions {
  /** Transfers sent during the load (issue #15: 10,000). */
  transfers: number;
  /** Accounts they move among. */
  accounts: number;
  /** Concurrent HTTP clients sending the batches. */
  clients: number;
  /** Transactions per eth_sendRawTransaction batch. */
  batch: number;
  log: (line: string) => void;
}

export interface LoadResult {
  /** Reconciliation mismatches + bench-vs-index differences + tokens not reconciled + unexpected receipts. */
  problems: number;
}

const CHAIN_NAME = "main";
const BURN_GAS = 80_000n;

interface Planned {
  tx: SignedTx;
  client: number;
}

/** keccak("luniverse-bench-indexer/" + i): accounts of this bench only. */
function loadAccounts(n: number): Account[] {
  return Array.from({ length: n }, (_, i) => {
    const key = keccak256(Buffer.from(`luniverse-bench-indexer/${i}`));
    return { key, address: addressOf(key) };
  });
}

const rand = (n: number): number => Math.floor(Math.random() * n);
const randBig = (max: bigint): bigint => (max <= 0n ? 0n : BigInt(Math.floor(Math.random() * 1e15)) * max / 1_000_000_000_000_000n);

export async function benchLoad(dir: string, o: LoadOptions): Promise<LoadResult> {
  const log = o.log;
  const g = await genesisFile({ dir: path.join(dir, "genesis"), validators: 1, gasLimit: 300_000_000, log: (m) => log(`load: ${m}`) });
  const sys: System = await startLuniverse({ dir: path.join(dir, "node"), genesis: g.file, chainId: g.chainId, validators: 1, maxTxsPerBlock: 20_000, blockPeriodMs: 1000, heapMiB: 384 });
  const url = sys.urls[0]!;
  const chainId = Number(g.chainId);
  const tracker = new BlockTracker(url);
  const rpc = new RpcClient(url);
  let indexer: IndexerHandle | null = null;
  const signer = new Signer(g.chainId);
  let problems = 0;
  try {
    await tracker.start();
    log(`load: node (1 validator, block period 1 s, LevelDB) at ${url}, chain ${chainId}`);
    // -------------------------------------------------------------------------------------------- indexer, following from block 0
    const config = parseIndexerConfig({
      chains: [{ id: chainId, name: CHAIN_NAME, role: "main", rpcUrl: url, manifest: g.file }],
      store: { kind: "sqlite", path: path.join(dir, "load-index.sqlite") },
      listen: { host: "127.0.0.1", port: 0 },
      // every holder checked (default 1000, largest first): this load has ~1,000 holders
      reconcileHolders: 100_000,
    });
    indexer = await runIndexer(config);
    log(`load: indexer following it (SQLite, pollMs ${config.pollMs}, batchBlocks ${config.batchBlocks}, reconcileEveryMs ${config.reconcileEveryMs})`);

    // -------------------------------------------------------------------------------------------- set-up: fund, deploy, mint
    const accounts = loadAccounts(o.accounts);
    const dev = devAccounts(20);
    const funders = [0, ...Array.from({ length: 15 }, (_, i) => 5 + i)];
    const fNonce = await Promise.all(funders.map(async (f) => BigInt(await rpc.call<string>("eth_getTransactionCount", [dev[f]!.address, "pending"]))));
    const perAccount = Math.ceil((o.transfers * 3) / o.accounts) + 5;
    const fund = BigInt(perAccount) * BURN_GAS * MAX_FEE;
    const funding = accounts.map((a, i) => {
      const k = i % funders.length;
      return signer.sign(dev[funders[k]!]!.key, { nonce: fNonce[k]!++, to: a.address, value: fund, gasLimit: GAS.value });
    });
    await sendAndWait(rpc, tracker, funding, "funding the accounts");
    const artifact = JSON.parse(readFileSync(path.join(REPO, "artifacts/contracts/test/IndexerTestToken.sol/IndexerTestToken.json"), "utf8")) as { bytecode: string };
    const deployer = dev[0]!;
    let dNonce = BigInt(await rpc.call<string>("eth_getTransactionCount", [deployer.address, "pending"]));
    const ctorArgs = AbiCoder.defaultAbiCoder().encode(["string", "string"], ["Load Token", "LOAD"]).slice(2);
    const deploy = signer.sign(deployer.key, { nonce: dNonce, to: null, data: `${artifact.bytecode}${ctorArgs}` as Hex, gasLimit: GAS.deploy });
    const token = getCreateAddress({ from: deployer.address, nonce: dNonce }).toLowerCase() as Hex;
    dNonce++;
    await sendAndWait(rpc, tracker, [deploy], "deploying IndexerTestToken");
    const dr = await rpc.call<{ status: string } | null>("eth_getTransactionReceipt", [deploy.hash]);
    if (dr?.status !== "0x1") throw new Error(`IndexerTestToken deployment failed (receipt status ${dr?.status})`);
    // 80 % of the accounts get a random mint; the rest start with nothing (they send only zero amounts until the end)
    const balance = new Map<string, bigint>(accounts.map((a) => [a.address, 0n]));
    const spendable = accounts.map(() => 0n);
    const mints: SignedTx[] = [];
    accounts.forEach((a, i) => {
      if (i % 5 === 4) return;
      const amount = BigInt(1 + rand(1000)) * 10n ** 18n + randBig(10n ** 18n);
      spendable[i] = amount;
      balance.set(a.address, amount);
      mints.push(signer.sign(deployer.key, { nonce: dNonce++, to: token, data: erc20.encodeFunctionData("mint", [a.address, amount]) as Hex, gasLimit: GAS.mint }));
    });
    await sendAndWait(rpc, tracker, mints, "minting to the accounts");
    let supply = [...balance.values()].reduce((s, b) => s + b, 0n);
    log(`load: ${o.accounts} accounts funded, IndexerTestToken ${token} deployed, ${mints.length} mints (supply ${supply})`);

    // -------------------------------------------------------------------------------------------- the transfers, pre-signed
    const nonce = accounts.map(() => 0n);
    const kinds = { transfer: 0, self: 0, zero: 0, all: 0, burn: 0, revert: 0 };
    const planned: Planned[] = [];
    const expectFail = new Set<string>();
    const burnData = (amount: bigint): Hex => `0x42966c68${amount.toString(16).padStart(64, "0")}`; // burn(uint256)
    for (let t = 0; t < o.transfers; t++) {
      const r = Math.random();
      let s = rand(o.accounts);
      // a positive amount needs a sender that still has some: pick again (a few tries) among the others
      if (r >= 0.05 && r < 0.995) for (let k = 0; k < 20 && spendable[s]! === 0n; k++) s = rand(o.accounts);
      const from = accounts[s]!;
      let to = accounts[rand(o.accounts)]!.address;
      let amount: bigint;
      let data: Hex;
      let gas: bigint = GAS.erc20;
      if (r < 0.05 || spendable[s]! === 0n) {
        amount = 0n;
        kinds.zero++;
      } else if (r < 0.1) {
        to = from.address;
        amount = randBig(spendable[s]!);
        kinds.self++;
      } else if (r < 0.15) {
        amount = spendable[s]!;
        kinds.all++;
      } else if (r < 0.18) {
        amount = randBig(spendable[s]!);
        kinds.burn++;
      } else if (r < 0.995) {
        amount = randBig(spendable[s]! / 4n);
        kinds.transfer++;
      } else {
        amount = supply + 1n;
        kinds.revert++;
      }
      const isBurn = r >= 0.15 && r < 0.18 && spendable[s]! > 0n;
      const mustFail = amount > spendable[s]!;
      if (isBurn) {
        data = burnData(amount);
        gas = BURN_GAS;
        spendable[s] = spendable[s]! - amount;
        balance.set(from.address, balance.get(from.address)! - amount);
        supply -= amount;
      } else {
        data = transferData(to, amount);
        if (!mustFail) {
          spendable[s] = spendable[s]! - amount;
          balance.set(from.address, balance.get(from.address)! - amount);
          balance.set(to, balance.get(to)! + amount);
          // what `to` receives is not spendable here: it may arrive after the sender's next transfer
        }
      }
      const tx = signer.sign(from.key, { nonce: nonce[s]!++, to: token, data, gasLimit: gas });
      if (mustFail) expectFail.add(tx.hash);
      // a sender's transactions all go through one client, in nonce order
      planned.push({ tx, client: s % o.clients });
    }
    const plans: { body: string; hashes: Hex[] }[][] = Array.from({ length: o.clients }, () => []);
    for (let c = 0; c < o.clients; c++) {
      const mine = planned.filter((p) => p.client === c);
      for (let i = 0; i < mine.length; i += o.batch) {
        const chunk = mine.slice(i, i + o.batch);
        plans[c]!.push({ body: `[${chunk.map((p, j) => `{"jsonrpc":"2.0","id":${j},"method":"eth_sendRawTransaction","params":["${p.tx.raw}"]}`).join(",")}]`, hashes: chunk.map((p) => p.tx.hash) });
      }
    }
    const computedHolders = [...balance.values()].filter((b) => b > 0n).length;
    log(
      `load: ${o.transfers.toLocaleString("en-US")} transactions pre-signed: ${kinds.transfer} transfers, ${kinds.self} to oneself, ${kinds.zero} of amount 0, ` +
        `${kinds.all} of the whole balance, ${kinds.burn} burns, ${kinds.revert} over the supply (must revert); sending them in batches of ${o.batch} over ${o.clients} connections ...`,
    );

    // -------------------------------------------------------------------------------------------- the load
    const label = { chain: CHAIN_NAME };
    // the set-up blocks indexed first, so the live figures below count the load only
    const setupHead = tracker.height;
    while (indexer.metrics.indexedHeight.get(label) < setupHead) await sleep(20);
    // when the indexer first had each height (sampled every 5 ms)
    const indexedAt = new Map<number, number>();
    let sampling = true;
    const sampler = (async () => {
      let seen = indexer.metrics.indexedHeight.get(label);
      while (sampling) {
        const h = indexer.metrics.indexedHeight.get(label);
        const t = performance.now();
        for (let n = seen + 1; n <= h; n++) indexedAt.set(n, t);
        seen = Math.max(seen, h);
        await sleep(5);
      }
    })();
    const ingestMs = timeIngest(indexer.store);
    const waiting = new Set(planned.map((p) => p.tx.hash));
    const blockOf = new Map<string, number>();
    let lastIncluded: { height: number; at: number } | null = null;
    const m0 = { blocks: indexer.metrics.blocks.get(label), txs: indexer.metrics.txs.get(label), busy: batchSecondsSum(indexer) };
    const off = tracker.on((n, seenAt, hashes) => {
      for (const h of hashes) if (waiting.delete(h)) blockOf.set(h, n);
      if (waiting.size === 0 && lastIncluded === null) lastIncluded = { height: n, at: seenAt };
    });
    const t0 = performance.now();
    const rejected = new Map<string, number>();
    await Promise.all(
      plans.map(async (batches) => {
        const client = new RpcClient(url);
        try {
          for (const b of batches) {
            const answers = JSON.parse(await client.post(b.body)) as { error?: { message: string } }[];
            for (const a of answers) if (a.error) rejected.set(a.error.message, (rejected.get(a.error.message) ?? 0) + 1);
          }
        } finally {
          client.close();
        }
      }),
    );
    const sentMs = performance.now() - t0;
    const nRejected = [...rejected.values()].reduce((s, n) => s + n, 0);
    log(`load: all sent in ${(sentMs / 1000).toFixed(2)} s (${(o.transfers / (sentMs / 1000)).toFixed(0)} tx/s accepted by RPC), ${nRejected} rejected`);
    for (const [msg, n] of rejected) log(`load:   rejected ${n}x: ${msg}`);
    const deadline = performance.now() + 300_000;
    let lastReport = performance.now();
    while (waiting.size > nRejected) {
      if (performance.now() > deadline) throw new Error(`${waiting.size} transfers not in a block 300 s after sending`);
      if (performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        log(`load:   ${(o.transfers - waiting.size).toLocaleString("en-US")} in blocks, height ${tracker.height}, indexer at ${indexer.metrics.indexedHeight.get(label)}`);
      }
      await sleep(20);
    }
    off();
    if (lastIncluded === null) {
      const h = Math.max(...blockOf.values());
      lastIncluded = { height: h, at: tracker.seenAt.get(h) ?? performance.now() };
    }
    const end = lastIncluded as { height: number; at: number };
    const loadS = (end.at - t0) / 1000;
    const included = blockOf.size;
    const firstBlock = Math.min(...blockOf.values());
    const perBlock = new Map<number, number>();
    for (const n of blockOf.values()) perBlock.set(n, (perBlock.get(n) ?? 0) + 1);

    // -------------------------------------------------------------------------------------------- the indexer catches up
    while (indexer.metrics.indexedHeight.get(label) < end.height) {
      if (performance.now() > deadline) throw new Error(`the indexer did not reach block ${end.height} (at ${indexer.metrics.indexedHeight.get(label)})`);
      await sleep(5);
    }
    await sleep(10);
    sampling = false;
    await sampler;
    const caughtAt = indexedAt.get(end.height) ?? performance.now();
    // the indexer's height when the head reached the last transfer's block
    let indexedAtEnd = -1;
    for (const [n, t] of indexedAt) if (t <= end.at) indexedAtEnd = Math.max(indexedAtEnd, n);
    if (indexedAtEnd < 0) indexedAtEnd = setupHead;
    const liveIngestMs = ingestMs();
    const liveErrors = indexer.metrics.errors.get(label);
    const m1 = { blocks: indexer.metrics.blocks.get(label), txs: indexer.metrics.txs.get(label), busy: batchSecondsSum(indexer) };
    const followS = (caughtAt - t0) / 1000;
    // and to the head as it is now (the node keeps making empty blocks)
    const head = Number(BigInt(await rpc.call<string>("eth_blockNumber")));
    while (indexer.metrics.indexedHeight.get(label) < head) await sleep(20);

    // -------------------------------------------------------------------------------------------- receipts
    const hashes = planned.map((p) => p.tx.hash);
    const unexpected: string[] = [];
    let failed = 0;
    for (let i = 0; i < hashes.length; i += 500) {
      const answers = await rpc.batch(hashes.slice(i, i + 500).map((h) => ({ method: "eth_getTransactionReceipt", params: [h] })));
      answers.forEach((a, j) => {
        const h = hashes[i + j]!;
        const st = (a.result as { status?: string } | null)?.status;
        if (st !== "0x1") failed++;
        if ((st === "0x1") === expectFail.has(h) && unexpected.length < 10 + 1) unexpected.push(`${h}: status ${st}, expected ${expectFail.has(h) ? "0x0" : "0x1"}`);
      });
    }

    // -------------------------------------------------------------------------------------------- reconcile and compare
    let recon = await indexer.reconcile(chainId);
    const indexedNow = indexer.metrics.indexedHeight.get(label);
    if ((recon[0]?.block ?? -1) < head) recon = await indexer.reconcile(chainId); // one started earlier was answered
    const tokenRow = await indexer.store.db.get<{ holders: number; supply: string; transfers: number }>("SELECT holders, supply, transfers FROM idx_tokens WHERE chain_id = ? AND lower(address) = ?", [chainId, token]);
    const rows = await indexer.store.db.all<{ holder: string; balance: string }>("SELECT holder, balance FROM idx_token_balances WHERE chain_id = ? AND lower(token) = ?", [chainId, token]);
    const indexedBal = new Map(rows.map((r) => [r.holder.toLowerCase(), BigInt(r.balance)]));
    const diffs: string[] = [];
    for (const [a, b] of balance) {
      const got = indexedBal.get(a) ?? 0n;
      if (got !== b) diffs.push(`${a}: indexed ${got}, bench computed ${b}`);
    }
    for (const a of indexedBal.keys()) if (!balance.has(a)) diffs.push(`${a}: indexed as a holder, never a bench account`);
    const reconMismatches = recon.reduce((n, r) => n + r.mismatches.length, 0);
    const notOk = recon.filter((r) => r.status !== "ok");
    const loadToken = recon.find((r) => r.token.toLowerCase() === token);
    problems = reconMismatches + notOk.length + diffs.length + unexpected.length + (loadToken ? 0 : 1) + (tokenRow?.holders === computedHolders ? 0 : 1) + nRejected;

    // -------------------------------------------------------------------------------------------- a fresh indexer catching up on the same chain
    const store2 = await openStore({ kind: "sqlite", path: path.join(dir, "load-catchup.sqlite") });
    const m2 = indexerMetrics();
    const f = new Follower(config.chains[0]!, store2, { batchBlocks: config.batchBlocks, pollMs: config.pollMs, logger: silentLogger, metrics: m2 });
    const catchIngestMs = timeIngest(store2);
    await f.init();
    const c0 = performance.now();
    while ((await f.step()) > 0) {
      // catching up
    }
    const catchS = (performance.now() - c0) / 1000;
    const catchIngestS = catchIngestMs() / 1000;
    const c2 = (await store2.chain(chainId))!;
    // the same chain indexed from scratch must give the same balances as the indexer that followed it live
    const rows2 = await store2.db.all<{ holder: string; balance: string }>("SELECT holder, balance FROM idx_token_balances WHERE chain_id = ? AND lower(token) = ?", [chainId, token]);
    const freshDiffs = rows2.filter((r) => indexedBal.get(r.holder.toLowerCase()) !== BigInt(r.balance)).length + Math.abs(rows2.length - indexedBal.size);
    problems += freshDiffs;
    await store2.close();
    // where the catch-up time goes on the node's side: the follower's three kinds of JSON-RPC reads, timed alone
    const rpcS = { blocks: 0, finality: 0, receipts: 0 };
    const top = c2.indexedHeight;
    const allHashes: string[] = [];
    for (let from = 0; from <= top; from += config.batchBlocks) {
      const ns = Array.from({ length: Math.min(config.batchBlocks, top - from + 1) }, (_, i) => `0x${(from + i).toString(16)}`);
      let t = performance.now();
      const bs = await rpcBatch(url, ns.map((n) => ({ method: "eth_getBlockByNumber", params: [n, true] })));
      rpcS.blocks += (performance.now() - t) / 1000;
      for (const b of bs) if (b.ok) allHashes.push(...((b.result as { transactions: { hash: string }[] }).transactions.map((x) => x.hash)));
      t = performance.now();
      await rpcBatch(url, ns.map((n) => ({ method: "luniverse_getFinality", params: [n] })));
      rpcS.finality += (performance.now() - t) / 1000;
    }
    {
      const t = performance.now();
      await rpcBatch(url, allHashes.map((h) => ({ method: "eth_getTransactionReceipt", params: [h] })));
      rpcS.receipts += (performance.now() - t) / 1000;
    }

    // -------------------------------------------------------------------------------------------- figures
    const fmt = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 0 });
    const dBlocks = m1.blocks - m0.blocks;
    const dTxs = m1.txs - m0.txs;
    const busyS = m1.busy - m0.busy;
    log(`load: results`);
    log(`  transactions sent                 ${fmt(o.transfers)} (${fmt(included)} in blocks ${firstBlock}–${end.height}, ${failed} failed as planned: ${kinds.revert} over the supply)`);
    log(`  node TPS during the load          ${fmt(included / loadS)} tx/s (first send → head reaches the last one: ${loadS.toFixed(2)} s, ${perBlock.size} blocks, max ${fmt(Math.max(...perBlock.values()))} tx/block)`);
    log(`  indexer lag at the end of load    ${end.height - indexedAtEnd} block(s) (indexed ${indexedAtEnd} when the head reached ${end.height}, the last transfer's block)`);
    log(`  time to catch up                  ${((caughtAt - end.at) / 1000).toFixed(2)} s from the head reaching block ${end.height} to the indexer having it (pollMs ${config.pollMs})`);
    log(`  indexer following (live)          ${fmt(dBlocks)} blocks, ${fmt(dTxs)} txs in ${followS.toFixed(2)} s (first send → caught up) = ${(dBlocks / followS).toFixed(1)} blocks/s, ${fmt(dTxs / followS)} tx/s (bounded by the node)`);
    log(`                                    busy (Σ indexer_batch_seconds) ${busyS.toFixed(2)} s → ${fmt(dTxs / busyS)} tx/s, ${(dBlocks / busyS).toFixed(1)} blocks/s while working; store writes ${(liveIngestMs / 1000).toFixed(2)} s of it; ${liveErrors} failed steps`);
    log(`  fresh indexer catching up         ${fmt(c2.indexedHeight + 1)} blocks, ${fmt(c2.txCount)} txs in ${catchS.toFixed(2)} s = ${fmt((c2.indexedHeight + 1) / catchS)} blocks/s, ${fmt(c2.txCount / catchS)} tx/s (our node's RPC, SQLite, batchBlocks ${config.batchBlocks}); store writes ${catchIngestS.toFixed(2)} s of it, node RPC + decoding ${(catchS - catchIngestS).toFixed(2)} s; ${m2.errors.get(label)} failed steps`);
    log(`                                    the same reads alone: eth_getBlockByNumber(n, true) ${rpcS.blocks.toFixed(2)} s, luniverse_getFinality ${rpcS.finality.toFixed(2)} s, eth_getTransactionReceipt ×${fmt(allHashes.length)} ${rpcS.receipts.toFixed(2)} s (batches of ${config.batchBlocks} blocks / 500 receipts)`);
    log(`  holders                           indexed ${tokenRow?.holders ?? "token not indexed"}, computed by the bench ${computedHolders}; indexed supply ${tokenRow?.supply ?? "–"}, computed ${supply}`);
    log(`  balances vs bench                 ${diffs.length} differences over ${balance.size} accounts; fresh catch-up vs live index: ${freshDiffs} differences`);
    for (const d of diffs.slice(0, 10)) log(`    ${d}`);
    for (const u of unexpected.slice(0, 10)) log(`    unexpected receipt ${u}`);
    log(`  reconciliation                    ${recon.length} token(s) at block ${recon[0]?.block ?? "–"} (indexed ${indexedNow}): ${recon.map((r) => `${r.token} ${r.status}${r.mismatches.length ? ` (${r.mismatches.length} mismatches)` : ""}${r.error ? ` (${r.error})` : ""}`).join("; ")}`);
    log(`                                    mismatches ${reconMismatches}${loadToken ? "" : " — the load token was not reconciled"}`);
    for (const r of notOk) for (const mm of r.mismatches.slice(0, 10)) log(`    ${r.token} ${mm.kind} ${mm.holder ?? ""}: indexed ${mm.indexed}, on chain ${mm.onChain}`);
    const nodeProblems = logProblems(sys.procs[0]!.logFile);
    for (const [msg, n] of [...nodeProblems].slice(0, 8)) log(`  node log ${n}x ${msg}`);
    log(`load: ${problems === 0 ? "0 mismatches" : `${problems} PROBLEM(S) (see above)`}`);
  } finally {
    await indexer?.close().catch(() => undefined);
    rpc.close();
    await tracker.stop().catch(() => undefined);
    await Promise.all(sys.procs.map((p) => stopProc(p, 10_000)));
  }
  return { problems };
}

/** Wraps `store.ingest` to add up the time spent in it; returns a reader of that time (ms). */
function timeIngest(store: IndexerStore): () => number {
  let ms = 0;
  const ingest = store.ingest.bind(store);
  store.ingest = async (...args: Parameters<IndexerStore["ingest"]>) => {
    const t = performance.now();
    try {
      return await ingest(...args);
    } finally {
      ms += performance.now() - t;
    }
  };
  return () => ms;
}

/** Σ of the indexer_batch_seconds histogram (seconds spent fetching and writing batches) from the exposition. */
function batchSecondsSum(h: IndexerHandle): number {
  const m = /^indexer_batch_seconds_sum(?:\{[^}]*\})? ([0-9.e+-]+)$/m.exec(h.metrics.registry.expose());
  return m ? Number(m[1]) : NaN;
}
