import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, Network, NonceManager, type Wallet } from "ethers";
import { rpcCall } from "../../../lib/chain";
import { DEV_MNEMONIC } from "../../../lib/accounts";
import { createLogger } from "../../../lib/log";
import { artifactDeployContext, contractAt } from "../../../deploy/context";
import { deployAnchorRegistry } from "../../../services/anchor/deployRegistry";
import { runAnchor } from "../../../services/anchor/runAnchor";
import type { AnchorRegistry } from "../../../typechain-types";
import { expectTaskError, runTask } from "../../helpers/tasks";
import { freePort, GiveUp, jsonLines, kill, startAnvil, startHardhat, stop, waitFor, type Proc } from "./processes";

const PRODUCT_CHAIN = 5_101;
const MAIN_CHAIN = 5_100;
const ETHEREUM = 5_199;
const EVERY_1 = 5; // phase 1: a range every 5 product-chain blocks
const EVERY_2 = 4; // phase 2: a range every 4 main-chain blocks

/** The process, or a {@link GiveUp} when it has exited (so a wait stops at once with its output). */
function alive(p: Proc | undefined): Proc {
  if (!p) throw new GiveUp("process not started");
  if (p.child.exitCode !== null) throw new GiveUp(`${p.name} exited with ${p.child.exitCode}:\n${p.output()}`);
  return p;
}

function devWallet(index: number, provider: JsonRpcProvider): HDNodeWallet {
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${index}`).connect(provider);
}

async function mineBlocks(url: string, n: number): Promise<void> {
  await rpcCall(url, "anvil_mine", [`0x${n.toString(16)}`]);
}

/** Every RangeAnchored of `child` in `registry`, in order. */
async function anchoredRanges(registry: AnchorRegistry, child: number): Promise<{ index: bigint; start: bigint; end: bigint }[]> {
  const events = await registry.queryFilter(registry.filters.RangeAnchored(child), 0);
  return events.map((e) => ({ index: e.args.index, start: e.args.start, end: e.args.end }));
}

function expectContiguous(ranges: { index: bigint; start: bigint; end: bigint }[], first: bigint, every: bigint): void {
  let next = first;
  ranges.forEach((r, i) => {
    expect(r.index, `range ${i} index`).to.equal(BigInt(i));
    expect(r.start, `range ${i} start`).to.equal(next);
    expect(r.end - r.start + 1n, `range ${i} length`).to.equal(every);
    next = r.end + 1n;
  });
}

describe("anchoring end to end: product chain → main chain → Ethereum (anvil processes)", function () {
  this.timeout(120_000);

  const procs: Proc[] = [];
  let dir: string;
  const previousDir = process.env.LUNIVERSE_DEPLOYMENTS_DIR;
  let productUrl: string;
  let mainUrl: string;
  let ethUrl: string;
  let mainProvider: JsonRpcProvider;
  let ethProvider: JsonRpcProvider;
  let mainRegistry: AnchorRegistry; // on the main chain, anchors the product chain
  let ethRegistry: AnchorRegistry; // on "Ethereum", anchors the main chain
  let phase1: Proc | undefined;
  let phase2: Proc | undefined;
  let metricsPort: number;
  let deployer: Wallet | HDNodeWallet;

  function runPhase1(): Proc {
    // registry found through the manifest of the main chain in LUNIVERSE_DEPLOYMENTS_DIR
    const p = startHardhat(
      "phase1",
      ["anchor:run", "--child", productUrl, "--parent", mainUrl, "--every", String(EVERY_1), "--confirmations", "2", "--dev-account", "1",
        "--cursor", path.join(dir, "phase1.json"), "--poll-ms", "200", "--metrics-port", "0", "--name", "phase1"],
      { LUNIVERSE_DEPLOYMENTS_DIR: dir },
    );
    procs.push(p);
    return p;
  }

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), "luniverse-anchor-e2e-"));
    process.env.LUNIVERSE_DEPLOYMENTS_DIR = dir;
    const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
    productUrl = `http://127.0.0.1:${p1}`;
    mainUrl = `http://127.0.0.1:${p2}`;
    ethUrl = `http://127.0.0.1:${p3}`;
    // the product chain produces a block every second on its own; the parents mine on every transaction
    procs.push(await startAnvil("product chain", p1, PRODUCT_CHAIN, ["--block-time", "1"]));
    procs.push(await startAnvil("main chain", p2, MAIN_CHAIN));
    procs.push(await startAnvil("ethereum", p3, ETHEREUM));
    mainProvider = new JsonRpcProvider(mainUrl, undefined, { staticNetwork: Network.from(MAIN_CHAIN), pollingInterval: 100 });
    ethProvider = new JsonRpcProvider(ethUrl, undefined, { staticNetwork: Network.from(ETHEREUM), pollingInterval: 100 });
    deployer = devWallet(0, mainProvider);
    const anchorer1 = devWallet(1, mainProvider).address;
    const anchorer2 = devWallet(2, ethProvider).address;
    const main = await deployAnchorRegistry({
      deployer,
      children: [{ chainId: BigInt(PRODUCT_CHAIN), startBlock: 1n, anchorers: [anchorer1] }],
      manifestFile: path.join(dir, "main.json"),
    });
    mainRegistry = main.registry;
    const eth = await deployAnchorRegistry({
      deployer: devWallet(0, ethProvider),
      children: [{ chainId: BigInt(MAIN_CHAIN), startBlock: 0n, anchorers: [anchorer2] }],
    });
    ethRegistry = eth.registry;

    phase1 = runPhase1();
    phase2 = startHardhat("phase2", [
      "anchor:run", "--child", mainUrl, "--parent", ethUrl, "--registry", eth.address, "--every", String(EVERY_2), "--confirmations", "1",
      "--dev-account", "2", "--cursor", path.join(dir, "phase2.json"), "--poll-ms", "200", "--name", "phase2",
    ]);
    procs.push(phase2);
    const started = await waitFor("phase 1 to start", async () => {
      if (phase1!.child.exitCode !== null) throw new GiveUp(`phase 1 exited: ${phase1!.output()}`);
      return jsonLines(phase1!).find((l) => l.msg === "anchoring started");
    }, 60_000);
    metricsPort = started.metricsPort as number;
    await mineBlocks(productUrl, 25); // plus one a second from --block-time
  });

  after(async function () {
    if (previousDir === undefined) delete process.env.LUNIVERSE_DEPLOYMENTS_DIR;
    else process.env.LUNIVERSE_DEPLOYMENTS_DIR = previousDir;
    mainProvider?.destroy();
    ethProvider?.destroy();
    for (const p of procs.reverse()) await kill(p);
    rmSync(dir, { recursive: true, force: true });
  });

  it("phase 1 anchors contiguous product-chain ranges into the main chain", async function () {
    await waitFor("phase 1 to anchor 5 ranges", async () => alive(phase1) && (await mainRegistry.rangeCount(PRODUCT_CHAIN)) >= 5n, 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${phase1!.output()}`);
    });
    const ranges = await anchoredRanges(mainRegistry, PRODUCT_CHAIN);
    expectContiguous(ranges, 1n, BigInt(EVERY_1));
    // only blocks at least --confirmations deep were anchored
    const head = BigInt(String(await rpcCall(productUrl, "eth_blockNumber")));
    expect(ranges[ranges.length - 1]!.end).to.be.at.most(head - 2n);
    const anchored = jsonLines(phase1!).filter((l) => l.msg === "range anchored");
    expect(anchored.length).to.be.at.least(5);
    expect(Number(anchored[1]!.gasPerBlock)).to.equal(Math.floor(Number(anchored[1]!.gasUsed) / EVERY_1));
  });

  it("phase 2 anchors contiguous main-chain ranges into Ethereum", async function () {
    await mineBlocks(mainUrl, 10);
    await waitFor("phase 2 to anchor 4 ranges", async () => alive(phase2) && (await ethRegistry.rangeCount(MAIN_CHAIN)) >= 4n, 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${phase2!.output()}`);
    });
    expectContiguous(await anchoredRanges(ethRegistry, MAIN_CHAIN), 0n, BigInt(EVERY_2));
  });

  it("serves Prometheus metrics: ranges anchored, last anchored block, lag, errors", async function () {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const value = (name: string): number => {
      const m = new RegExp(`^${name}\\{[^}]*phase="phase1"[^}]*\\} (\\S+)$`, "m").exec(text);
      expect(m, `${name} in\n${text}`).to.not.equal(null);
      return Number(m![1]);
    };
    expect(value("anchor_ranges_anchored_total")).to.be.at.least(5);
    const next = await mainRegistry.nextStart(PRODUCT_CHAIN);
    expect(value("anchor_last_anchored_block")).to.be.within(Number(next) - 1 - EVERY_1 * 2, Number(next) - 1);
    expect(value("anchor_lag_blocks")).to.be.at.least(0);
    expect(value("anchor_gas_per_block")).to.be.above(0);
    expect(text).to.match(/# TYPE anchor_errors_total counter/);
  });

  it("anchor:verify proves the first, a middle and the last block of ranges in both phases", async function () {
    const [, , start1, end1] = await mainRegistry.rangeOf(PRODUCT_CHAIN, 7);
    for (const block of [start1, start1 + 2n, end1]) {
      const { out } = await runTask("anchor:verify", { child: productUrl, parent: mainUrl, block: String(block) });
      expect(out).to.match(new RegExp(`block ${block} of chain ${PRODUCT_CHAIN} VERIFIED: inside range #1 \\[6\\.\\.10\\] anchored on chain ${MAIN_CHAIN}`));
    }
    const { out } = await runTask("anchor:verify", { child: mainUrl, parent: ethUrl, block: "5", registry: await ethRegistry.getAddress() });
    expect(out).to.match(new RegExp(`block 5 of chain ${MAIN_CHAIN} VERIFIED: inside range #1 \\[4\\.\\.7\\] anchored on chain ${ETHEREUM}`));
  });

  it("anchor:verify fails for tampered data, a wrong expected hash and a block not anchored yet", async function () {
    const args = { child: productUrl, parent: mainUrl, block: "8" };
    await expectTaskError(runTask("anchor:verify", { ...args, tamper: "stateRoot" }), /block 8 of chain 5101 .* FAILED verification against range #1 \[6\.\.10\] root 0x[0-9a-f]{64}: its stateRoot 0x[0-9a-f]{64} \(the child reports 0x[0-9a-f]{64}\) is not what was anchored/);
    await expectTaskError(runTask("anchor:verify", { ...args, tamper: "receiptsRoot" }), /FAILED verification .* its receiptsRoot/);
    await expectTaskError(runTask("anchor:verify", { ...args, expectedHash: `0x${"ab".repeat(32)}` }), /FAILED verification .* its hash 0x(ab){32} \(the child reports/);
    await expectTaskError(runTask("anchor:verify", { ...args, block: "100000" }), /block 100000 of chain 5101 .* is not anchored yet: blocks 1\.\.\d+ are anchored/);
    // a product chain that is not registered on "Ethereum"'s registry
    await expectTaskError(
      runTask("anchor:verify", { child: productUrl, parent: ethUrl, block: "1", registry: await ethRegistry.getAddress() }),
      /block 1 is not anchored: chain 5101 .* is not registered for anchoring/,
    );
  });

  it("anchor:verify names a missing registry clearly", async function () {
    await expectTaskError(runTask("anchor:verify", { child: productUrl, parent: ethUrl, block: "1" }), /no manifest in .* records an AnchorRegistry on chain 5199; give --registry/);
    await expectTaskError(
      runTask("anchor:verify", { child: productUrl, parent: mainUrl, block: "1", registry: deployer.address }),
      /no contract at 0x[0-9a-fA-F]{40} \(from --registry\) on parent chain 5100/,
    );
    const port = await freePort();
    await expectTaskError(runTask("anchor:verify", { child: `http://127.0.0.1:${port}`, parent: mainUrl, block: "1" }), /cannot reach the child chain RPC at http:\/\/127\.0\.0\.1:\d+/);
  });

  it("retries with backoff while the registry is paused, counting errors, then resumes", async function () {
    const before = await mainRegistry.rangeCount(PRODUCT_CHAIN);
    await (await mainRegistry.connect(deployer).pause()).wait();
    try {
      await mineBlocks(productUrl, 10);
      await waitFor("phase 1 to log a paused registry", async () => jsonLines(alive(phase1)).find((l) => l.kind === "EnforcedPause" && l.msg === "anchoring failed; retrying"), 30_000);
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(text).to.match(/anchor_errors_total\{[^}]*kind="EnforcedPause"[^}]*\} [1-9]/);
      expect(await mainRegistry.rangeCount(PRODUCT_CHAIN)).to.equal(before);
    } finally {
      await (await mainRegistry.connect(deployer).unpause()).wait();
    }
    await waitFor("phase 1 to resume", async () => alive(phase1) && (await mainRegistry.rangeCount(PRODUCT_CHAIN)) > before, 30_000);
    expectContiguous(await anchoredRanges(mainRegistry, PRODUCT_CHAIN), 1n, BigInt(EVERY_1));
  });

  it("while the main chain's ProductChainRegistry has the child suspended, anchoring warns and retries at the slowest pace", async function () {
    // a registry of its own on the main chain (phase 1 keeps anchoring into mainRegistry), pointed at a ProductChainRegistry
    const admin = new NonceManager(deployer); // one nonce count for every transaction below
    const me = await admin.getAddress();
    const anchorer = devWallet(3, mainProvider).address;
    const { registry: held } = await deployAnchorRegistry({ deployer: admin, children: [{ chainId: BigInt(PRODUCT_CHAIN), startBlock: 1n, anchorers: [anchorer] }] });
    const { address: chains } = await (await artifactDeployContext(admin)).deployProxy("ProductChainRegistry", [me], admin);
    const chainRegistry = contractAt("ProductChainRegistry", chains, admin);
    await (await chainRegistry.grantRole(await chainRegistry.CP_ROLE(), me)).wait();
    const owners = [4, 5, 6, 7].map((i) => devWallet(i, mainProvider).address) as [string, string, string, string];
    await (await chainRegistry.registerChain(PRODUCT_CHAIN, "product chain", me, owners, 0)).wait();
    await (await chainRegistry.setChainStatus(PRODUCT_CHAIN, 2)).wait(); // Suspended
    await (await held.connect(admin).setChainRegistry(chains)).wait();

    const lines: string[] = [];
    const stopped = new AbortController();
    const run = runAnchor({
      childUrl: productUrl, parentUrl: mainUrl, every: 2, confirmations: 1, registry: { registry: await held.getAddress() }, key: { devAccount: 3 },
      cursorFile: path.join(dir, "held.json"), pollMs: 50, maxBackoffMs: 300, maxRanges: 1, signal: stopped.signal,
      logger: createLogger("anchor", { write: (l) => void lines.push(l) }),
    });
    try {
      const warnings = (): Record<string, unknown>[] => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === `chain ${PRODUCT_CHAIN} is suspended on the main chain: anchoring paused`);
      await waitFor("two warnings", async () => warnings().length >= 2, 30_000);
      for (const w of warnings()) expect(w).to.include({ level: "warn", kind: "AnchorRegistryChainNotActive", retryInMs: 300 });
      expect(await held.rangeCount(PRODUCT_CHAIN)).to.equal(0n);
      await (await chainRegistry.setChainStatus(PRODUCT_CHAIN, 1)).wait(); // Active again
      const result = await run;
      expect(result.ranges).to.have.length(1);
      expect(await held.rangeCount(PRODUCT_CHAIN)).to.equal(1n);
    } finally {
      stopped.abort();
      await run.catch(() => undefined);
    }
  });

  it("a restarted anchorer trusts the registry over a stale cursor and never resubmits", async function () {
    expect(await stop(phase1, "SIGTERM")).to.equal(0);
    expect(jsonLines(phase1!).some((l) => l.msg === "anchoring stopped")).to.equal(true);
    const cursorFile = path.join(dir, "phase1.json");
    const cursor = JSON.parse(readFileSync(cursorFile, "utf8")) as Record<string, unknown>;
    expect(String(cursor.nextStart)).to.equal(`${await mainRegistry.nextStart(PRODUCT_CHAIN)}n`);
    writeFileSync(cursorFile, JSON.stringify({ ...cursor, nextStart: "1n" })); // as if it had lost its progress
    const before = await mainRegistry.rangeCount(PRODUCT_CHAIN);
    phase1 = runPhase1();
    await mineBlocks(productUrl, 10);
    await waitFor("the restarted phase 1 to anchor", async () => alive(phase1) && (await mainRegistry.rangeCount(PRODUCT_CHAIN)) > before, 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${phase1!.output()}`);
    });
    const lines = jsonLines(phase1!);
    expect(lines.find((l) => l.msg === "cursor differs from the registry; the registry wins")).to.include({ cursor: "1" });
    expect(lines.some((l) => l.kind === "AnchorRegistryNonContiguous")).to.equal(false); // nothing resubmitted
    expectContiguous(await anchoredRanges(mainRegistry, PRODUCT_CHAIN), 1n, BigInt(EVERY_1));
    expect(await stop(phase2, "SIGTERM")).to.equal(0);
  });
});
