/**
 * Relayer benchmark (`npm run bench:bridge`, after the invariant run): two anvil chains, the system and the product
 * side deployed, six relayer processes (confirmations 2, poll 200 ms), empty blocks every BENCH_BLOCK_MS (default
 * 500 ms) besides the automined transactions.
 *   1. latency: BENCH_LATENCY deposits (default 30), one every 400 ms; deposit → mint in seconds and in main-chain
 *      blocks (main head when the mint is seen minus the deposit's block); p50 / p99.
 *   2. throughput: a burst of BENCH_BURST deposits (default 150) sent back to back; deposits per second from the first
 *      deposit to the last mint.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { encryptKeystoreJson, parseEther } from "ethers";
import { DEV_ROLES, devWallet } from "../../lib/accounts";
import { machine } from "../machine";
import { blockTicker, deployBridges, killAll, spawnRelayer, startAnvil, type Bridges } from "./harness";

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function depositIds(b: Bridges, count: number, gapMs: number): Promise<{ id: string; block: number; sentAt: number }[]> {
  const out: { id: string; block: number; sentAt: number }[] = [];
  const who = await b.depositor.getAddress();
  let nonce = await b.main.provider.getTransactionCount(who, "pending");
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const sentAt = performance.now();
    const tx = await b.mainBridge.connect(b.depositor).deposit(b.pairId, who, parseEther("1"), { nonce: nonce++, gasLimit: 300_000 });
    pending.push(
      tx.wait().then((r) => {
        const ev = r!.logs.map((l) => b.mainBridge.interface.parseLog(l)).find((p) => p?.name === "Deposited")!;
        out.push({ id: ev.args.depositId as string, block: r!.blockNumber, sentAt });
      }),
    );
    if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
  }
  await Promise.all(pending);
  return out;
}

async function waitMints(b: Bridges, ids: Set<string>, fromBlock: number): Promise<Map<string, { at: number; mainHead: number }>> {
  const seen = new Map<string, { at: number; mainHead: number }>();
  let scanned = fromBlock;
  const deadline = Date.now() + 300_000;
  while (seen.size < ids.size) {
    if (Date.now() > deadline) throw new Error(`only ${seen.size} of ${ids.size} deposits minted after 300 s`);
    const head = await b.product.provider.getBlockNumber();
    const mainHead = await b.main.provider.getBlockNumber();
    if (head >= scanned) {
      for (const e of await b.productBridge.queryFilter(b.productBridge.filters.Minted(), scanned, head)) {
        if (ids.has(e.args.depositId) && !seen.has(e.args.depositId)) seen.set(e.args.depositId, { at: performance.now(), mainHead });
      }
      scanned = head + 1;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return seen;
}

async function main(): Promise<void> {
  const latencyCount = Number(process.env.BENCH_LATENCY ?? 30);
  const burst = Number(process.env.BENCH_BURST ?? 150);
  const blockMs = Number(process.env.BENCH_BLOCK_MS ?? 500);
  console.log(`bridge relayers: 6 processes, confirmations 2, empty block every ${blockMs} ms, on ${machine()}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "luniverse-bench-relayers-"));
  let stopTicker = (): void => undefined;
  try {
    const [mainChain, product] = await Promise.all([startAnvil(31_002), startAnvil(41_002)]);
    const b = await deployBridges(dir, mainChain, product, 10n);
    mkdirSync(path.join(dir, "keystores"));
    for (let i = 0; i < 6; i++) {
      const w = devWallet(DEV_ROLES.signers[i]!);
      writeFileSync(path.join(dir, "keystores", `signer-${i + 1}.json`), await encryptKeystoreJson({ address: w.address, privateKey: w.privateKey }, "relayer-test-pw", { scrypt: { N: 1 << 10 } }));
    }
    stopTicker = blockTicker([mainChain.url, product.url], blockMs);
    for (let n = 1; n <= 6; n++) spawnRelayer(n, b);
    await new Promise((r) => setTimeout(r, 4000)); // start-up of six ts-node processes

    // 1. latency
    const startProduct = await product.provider.getBlockNumber();
    const lat = await depositIds(b, latencyCount, 400);
    const mints = await waitMints(b, new Set(lat.map((d) => d.id)), startProduct);
    const secs = lat.map((d) => (mints.get(d.id)!.at - d.sentAt) / 1000).sort((a, c) => a - c);
    const blocks = lat.map((d) => mints.get(d.id)!.mainHead - d.block).sort((a, c) => a - c);
    console.log(
      `latency over ${latencyCount} deposits: p50 ${pct(secs, 50).toFixed(2)} s / ${pct(blocks, 50)} main blocks, ` +
        `p99 ${pct(secs, 99).toFixed(2)} s / ${pct(blocks, 99)} main blocks`,
    );

    // 2. throughput
    const startProduct2 = await product.provider.getBlockNumber();
    const t0 = performance.now();
    const burstIds = await depositIds(b, burst, 0);
    const sentS = (performance.now() - t0) / 1000;
    await waitMints(b, new Set(burstIds.map((d) => d.id)), startProduct2);
    const s = (performance.now() - t0) / 1000;
    console.log(`throughput: ${burst} deposits sent in ${sentS.toFixed(1)} s, all minted after ${s.toFixed(1)} s: ${(burst / s).toFixed(1)} deposits/s sustained`);
    const locked = await b.mainBridge.locked(b.pairId);
    const supply = (await b.productToken.totalSupply!()) as bigint;
    console.log(`invariant: locked ${locked} × 10 ${locked * 10n === supply ? "==" : "!="} product supply ${supply}`);
  } finally {
    stopTicker();
    killAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    killAll();
    process.exit(1);
  },
);
