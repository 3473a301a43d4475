import { expect } from "chai";
import hre from "hardhat";
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Interface, parseEther } from "ethers";
import { runTask, expectTaskError } from "../../helpers/tasks";
import { Relayer } from "../../../services/relayer/relayer";
import { resolveRelayerOptions, RelayerConfigError, findBridgeAddress } from "../../../services/relayer/config";
import { parseArgv } from "../../../services/relayer/main";
import { silentLogger } from "../../../lib/log";
import { KeystoreError } from "../../../lib/keystore";
import { ChainError } from "../../../lib/chain";
import { CursorError } from "../../../lib/cursor";
import { decodeCustomError } from "../../../lib/revert";
import { addressOf, readDeployment } from "../../../ops/deployment";
import { registerChain } from "../../../ops/chain/registerChain";
import { passProposal } from "../../../ops/governance/passProposal";
import { anvilClock, blockTicker, children, deployBridges, freePort, hardhat, killAll, spawnRelayer, startAnvil, waitFor, type Bridges, type RelayerProc } from "./harness";

const PW = "relayer-test-pw";

async function rejects(p: Promise<unknown>, type: new (...a: never[]) => Error, pattern: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(type);
    expect((e as Error).message).to.match(pattern);
    return;
  }
  expect.fail(`expected ${type.name} matching ${pattern}`);
}

describe("bridge relayers (two anvil chains, six relayer processes)", function () {
  this.timeout(180_000);
  let dir: string;
  let b: Bridges;
  let stopTicker = (): void => undefined;
  const relayers = new Map<number, RelayerProc>();

  async function mintedCount(depositId: string): Promise<number> {
    return (await b.productBridge.queryFilter(b.productBridge.filters.Minted(depositId), 0)).length;
  }
  async function deposit(amount: bigint): Promise<string> {
    const r = await (await b.mainBridge.connect(b.depositor).deposit(b.pairId, await b.depositor.getAddress(), amount)).wait();
    return b.mainBridge.interface.parseLog(r!.logs.find((l) => b.mainBridge.interface.parseLog(l)?.name === "Deposited")!)!.args.depositId as string;
  }
  function start(n: number): RelayerProc {
    const r = spawnRelayer(n, b);
    relayers.set(n, r);
    return r;
  }
  async function stop(n: number, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const r = relayers.get(n)!;
    relayers.delete(n);
    r.proc.kill(signal);
    await r.exited;
  }

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "luniverse-relayer-"));
    const [main, product] = await Promise.all([startAnvil(31_001), startAnvil(41_001)]);
    b = await deployBridges(dir, main, product, 10n);
    process.env.RELAYER_TEST_PW = PW;
    await runTask("bridge:keystore", { out: path.join(dir, "keystores"), count: 6, first: 10, passwordEnv: "RELAYER_TEST_PW", scryptN: 1024, index: 1, force: false });
    stopTicker = blockTicker([main.url, product.url], 300);
  });

  after(async () => {
    stopTicker();
    killAll();
    b?.main.provider.destroy();
    b?.product.provider.destroy();
    delete process.env.RELAYER_TEST_PW;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("a deposit of 100 main tokens at 1:10 mints 1,000 product tokens after 4 of 6 confirmations", async () => {
    for (let n = 1; n <= 6; n++) start(n);
    const before = await b.productToken.balanceOf!(await b.depositor.getAddress());
    const id = await deposit(parseEther("100"));
    await waitFor("the mint", async () => (await b.productBridge.status(id)) === 2n, 60_000);
    expect((await b.productToken.balanceOf!(await b.depositor.getAddress())) - before).to.equal(parseEther("1000"));
    const minted = await b.productBridge.queryFilter(b.productBridge.filters.Minted(id), 0);
    expect(minted).to.have.length(1);
    const confirmedEvents = await b.productBridge.queryFilter(b.productBridge.filters.Confirmed(id), 0);
    expect(confirmedEvents.map((e) => e.args.confirmations)).to.include(4n);
    expect(minted[0]!.blockNumber).to.equal(confirmedEvents.find((e) => e.args.confirmations === 4n)!.blockNumber);
    expect(await b.mainBridge.locked(b.pairId)).to.equal(parseEther("100"));
  });

  it("a redeem of 1,000 product tokens releases 100 main tokens", async () => {
    const who = await b.depositor.getAddress();
    const before = await b.mainToken.balanceOf!(who);
    const r = await (await b.productBridge.redeem(b.pairId, who, parseEther("1000"))).wait();
    const id = b.productBridge.interface.parseLog(r!.logs.find((l) => b.productBridge.interface.parseLog(l)?.name === "Redeemed")!)!.args.redeemId as string;
    await waitFor("the release", async () => (await b.mainBridge.status(id)) === 2n, 60_000);
    expect((await b.mainToken.balanceOf!(who)) - before).to.equal(parseEther("100"));
    expect(await b.mainBridge.locked(b.pairId)).to.equal(0n);
  });

  it("a product chain suspended on the main chain holds its withdrawals (relayers warn, retry slowly); reactivated, they settle", async () => {
    const mm = readDeployment(path.join(b.dir, "deployments/main.json"));
    const registry = addressOf(mm, "ProductChainRegistry");
    const chainId = (await b.product.provider.getNetwork()).chainId;
    const who = await b.depositor.getAddress();
    const owners = (await Promise.all([16, 17, 18, 19].map(async (i) => (await b.main.provider.getSigner(i)).getAddress()))) as [string, string, string, string];
    await registerChain(b.depositor, { registry, chainId, name: "relayer test chain", productDeveloper: who, nodeOwners: owners });
    const validators = await Promise.all([1, 2, 3, 4].map((i) => b.main.provider.getSigner(i)));
    const setStatus = (status: number, description: string) =>
      passProposal(
        { provider: b.main.provider, validators },
        { governor: addressOf(mm, "LuniverseGovernor"), targets: [registry], calldatas: [new Interface(["function setChainStatus(uint256,uint8)"]).encodeFunctionData("setChainStatus", [chainId, status])], description, clock: anvilClock(b.main.url) },
      );
    const minted = await deposit(parseEther("10"));
    await waitFor("the mint", async () => (await b.productBridge.status(minted)) === 2n, 60_000);

    await setStatus(2, "suspend the relayer test chain");
    const refused = await b.mainBridge.connect(b.depositor).deposit(b.pairId, who, parseEther("1")).then(() => undefined, (e: unknown) => e);
    expect(decodeCustomError(refused)?.name).to.equal("MainBridgeChainNotActive");
    const r = await (await b.productBridge.redeem(b.pairId, who, parseEther("100"))).wait();
    const id = b.productBridge.interface.parseLog(r!.logs.find((l) => b.productBridge.interface.parseLog(l)?.name === "Redeemed")!)!.args.redeemId as string;
    const warning = `chain ${chainId} is suspended on the main chain: bridge paused`;
    const warned = (): { retryInMs?: number }[] =>
      [...relayers.values()].flatMap((x) => x.lines.filter((l) => l.includes(warning)).map((l) => JSON.parse(l) as { retryInMs?: number }));
    await waitFor("the relayers to warn twice", async () => warned().length >= 2, 30_000);
    expect(warned().every((l) => l.retryInMs === 1_000)).to.equal(true); // the slowest pace (--max-backoff-ms 1000) from the first refusal on
    expect(await b.mainBridge.status(id)).to.equal(0n);

    await setStatus(1, "reactivate the relayer test chain");
    await waitFor("the release", async () => (await b.mainBridge.status(id)) === 2n, 60_000);
  });

  it("bridge:status shows every signer's confirmation and its data hash", async () => {
    const id = (await b.mainBridge.queryFilter(b.mainBridge.filters.Deposited(), 0))[0]!.args.depositId;
    const out = await hardhat(["bridge:status", "--network", "main", "--id", id, "--product", "product"], b.env);
    expect(out.code, out.out).to.equal(0);
    expect(out.out).to.match(/status Executed/);
    expect(out.out.match(/confirmed 0x[0-9a-f]{64}/g)?.length ?? 0).to.be.at.least(4);
    const dead = await hardhat(["bridge:status", "--network", "main", "--id", id, "--product", `http://127.0.0.1:${await freePort()}`], b.env);
    expect(dead.code).to.not.equal(0);
    expect(dead.out).to.match(/cannot reach the product chain RPC/);
  });

  it("with 2 relayers stopped a deposit still settles", async () => {
    await stop(5);
    await stop(6);
    const id = await deposit(parseEther("7"));
    await waitFor("the mint", async () => (await b.productBridge.status(id)) === 2n, 60_000);
    expect(await mintedCount(id)).to.equal(1);
  });

  it("with 3 relayers stopped a deposit waits, and completes when one returns", async () => {
    await stop(4);
    const id = await deposit(parseEther("3"));
    const hash = await b.productBridge.depositDataHash(b.pairId, await b.depositor.getAddress(), parseEther("3"));
    await waitFor("3 confirmations", async () => (await b.productBridge.confirmations(id, hash)) === 3n, 60_000);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await b.productBridge.status(id)).to.equal(0n);
    start(4);
    await waitFor("the mint", async () => (await b.productBridge.status(id)) === 2n, 60_000);
    expect(await mintedCount(id)).to.equal(1);
  });

  it("serves Prometheus metrics and writes JSON-lines logs", async () => {
    const port = await freePort();
    await stop(1);
    const r = spawnRelayer(1, b, ["--metrics-port", String(port)]);
    relayers.set(1, r);
    let text = "";
    await waitFor("the metrics endpoint", async () => fetch(`http://127.0.0.1:${port}/metrics`).then(() => true, () => false));
    const id = await deposit(parseEther("2"));
    await waitFor("the mint", async () => (await b.productBridge.status(id)) === 2n, 60_000);
    await waitFor("metrics", async () => {
      try {
        text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return /relayer_events_seen_total\{signer="1",direction="deposits"\} [1-9]/.test(text);
      } catch {
        return false;
      }
    });
    expect(text).to.match(/# TYPE relayer_confirmations_sent_total counter/);
    expect(text).to.match(/relayer_lag_blocks\{signer="1",direction="deposits"\} \d+/);
    expect(text).to.match(/relayer_errors_total|relayer_head_block/);
    for (const line of r.lines.filter((l) => l.trim())) expect(() => JSON.parse(line), line).not.to.throw();
    expect(r.lines.some((l) => (JSON.parse(l) as { msg: string }).msg === "relayer started")).to.equal(true);
  });

  it("survives SIGKILL at random moments during 60 deposits: each minted exactly once, locked × ratio = supply", async () => {
    for (let n = 1; n <= 6; n++) if (!relayers.has(n)) start(n);
    const ids: string[] = [];
    let kills = 0;
    let stopChaos = false;
    const chaos = (async () => {
      while (!stopChaos) {
        await new Promise((r) => setTimeout(r, 500 + Math.random() * 1500));
        if (stopChaos) break;
        const n = 1 + Math.floor(Math.random() * 6);
        const r = relayers.get(n);
        if (!r) continue;
        relayers.delete(n);
        r.proc.kill("SIGKILL");
        await r.exited;
        kills++;
        await new Promise((res) => setTimeout(res, Math.random() * 1000));
        start(n);
      }
    })();
    for (let i = 0; i < 60; i++) {
      ids.push(await deposit(parseEther(String(1 + (i % 5)))));
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 3000));
    stopChaos = true;
    await chaos;
    for (let n = 1; n <= 6; n++) if (!relayers.has(n)) start(n);
    await waitFor("every deposit minted", async () => {
      for (const id of ids) if ((await b.productBridge.status(id)) !== 2n) return false;
      return true;
    }, 90_000, 500);
    const minted = await b.productBridge.queryFilter(b.productBridge.filters.Minted(), 0);
    const perId = new Map<string, number>();
    for (const e of minted) perId.set(e.args.depositId, (perId.get(e.args.depositId) ?? 0) + 1);
    for (const id of ids) expect(perId.get(id), id).to.equal(1);
    const supply = (await b.productToken.totalSupply!()) as bigint;
    expect((await b.mainBridge.locked(b.pairId)) * 10n).to.equal(supply);
    const [mintedTotal, burned] = await b.productBridge.supplyOf(b.pairId);
    expect(mintedTotal - burned).to.equal(supply);
    expect(kills).to.be.at.least(3);
  });

  describe("bad input", () => {
    const base = (): Record<string, string> => ({ signer: "1", mainRpc: b.main.url, productRpc: b.product.url, keystoreDir: path.join(dir, "keystores"), deploymentsDir: path.join(dir, "deployments"), stateDir: path.join(dir, "state-bad"), passwordEnv: "RELAYER_TEST_PW" });

    it("rejects a wrong --signer, a missing or bad RPC URL and unknown options", () => {
      expect(() => resolveRelayerOptions({ ...base(), signer: "0" })).to.throw(RelayerConfigError, /--signer must be an integer from 1 to 32/);
      expect(() => resolveRelayerOptions({ ...base(), signer: "x" })).to.throw(RelayerConfigError, /--signer must be an integer/);
      expect(() => resolveRelayerOptions({ ...base(), signer: undefined })).to.throw(RelayerConfigError, /--signer is required/);
      expect(() => resolveRelayerOptions({ ...base(), mainRpc: undefined })).to.throw(RelayerConfigError, /--main-rpc is required/);
      expect(() => resolveRelayerOptions({ ...base(), productRpc: "ws://x" })).to.throw(RelayerConfigError, /--product-rpc must be an http/);
      expect(() => resolveRelayerOptions({ ...base(), mainBridge: "0x12" })).to.throw(RelayerConfigError, /--main-bridge is not a valid address/);
      expect(() => resolveRelayerOptions({ ...base(), confirmations: "0" })).to.throw(RelayerConfigError, /--confirmations must be an integer from 1/);
      expect(() => resolveRelayerOptions({ ...base(), colour: "red" })).to.throw(RelayerConfigError, /unknown relayer option --colour/);
      expect(() => parseArgv(["--signer"])).to.throw(/--signer needs a value/);
      expect(() => parseArgv(["oops"])).to.throw(/unexpected argument/);
      expect(parseArgv(["--main", "http://a", "--product=http://b", "--poll-interval-ms", "5"])).to.deep.equal({ mainRpc: "http://a", productRpc: "http://b", pollIntervalMs: "5" });
    });

    it("names a missing keystore, a wrong password and a keystore that is not a signer", async () => {
      await rejects(new Relayer(resolveRelayerOptions({ ...base(), signer: "9" }), silentLogger).init(), KeystoreError, /signer-9\.json does not exist/);
      process.env.RELAYER_WRONG_PW = "not-the-password";
      try {
        await rejects(new Relayer(resolveRelayerOptions({ ...base(), passwordEnv: "RELAYER_WRONG_PW" }), silentLogger).init(), KeystoreError, /wrong password/);
      } finally {
        delete process.env.RELAYER_WRONG_PW;
      }
      process.env.RELAYER_OTHER_KEY = "0x" + "11".repeat(32);
      await runTask("bridge:keystore", { out: path.join(dir, "other"), count: 1, first: 10, keyEnv: "RELAYER_OTHER_KEY", index: 1, passwordEnv: "RELAYER_TEST_PW", scryptN: 1024, force: false });
      delete process.env.RELAYER_OTHER_KEY;
      await rejects(new Relayer(resolveRelayerOptions({ ...base(), keystoreDir: path.join(dir, "other") }), silentLogger).init(), RelayerConfigError, /is not a signer of the MainBridge/);
    });

    it("names an unreachable RPC, the same chain twice, a bridge without code and a foreign cursor file", async () => {
      const dead = `http://127.0.0.1:${await freePort()}`;
      await rejects(new Relayer(resolveRelayerOptions({ ...base(), productRpc: dead }), silentLogger).init(), ChainError, /cannot reach the product chain RPC/);
      await rejects(new Relayer(resolveRelayerOptions({ ...base(), productRpc: b.main.url }), silentLogger).init(), RelayerConfigError, /same chain/);
      await rejects(new Relayer(resolveRelayerOptions({ ...base(), mainBridge: "0x000000000000000000000000000000000000dEaD" }), silentLogger).init(), RelayerConfigError, /no contract at .* on the main chain/);
      const stateDir = path.join(dir, "state-foreign");
      const r = new Relayer(resolveRelayerOptions({ ...base(), stateDir }), silentLogger);
      await r.init();
      const file = r.cursor.file;
      await r.stop();
      const s = JSON.parse(readFileSync(file, "utf8")) as { main: { bridge: string } };
      s.main.bridge = "0x000000000000000000000000000000000000dEaD";
      writeFileSync(file, JSON.stringify(s));
      await rejects(new Relayer(resolveRelayerOptions({ ...base(), stateDir }), silentLogger).init(), CursorError, /written for bridges/);
    });

    it("finds bridges from manifests or asks for a flag", () => {
      expect(() => findBridgeAddress("ProductBridge", 999n, undefined, undefined, path.join(dir, "deployments"))).to.throw(RelayerConfigError, /no manifest .* ProductBridge on chain 999/);
      expect(() => findBridgeAddress("MainBridge", 41_001n, undefined, path.join(dir, "deployments/main.json"), "x")).to.throw(RelayerConfigError, /is for chain 31001/);
      expect(findBridgeAddress("ProductBridge", 41_001n, undefined, undefined, path.join(dir, "deployments"))).to.equal(b.productBridge.target);
    });

    it("bridge:relayer and bridge:keystore report bad flags as task errors", async () => {
      const out = await hardhat(["bridge:relayer", "--signer", "0", "--main", b.main.url, "--product", b.product.url], b.env);
      expect(out.code).to.not.equal(0);
      expect(out.out).to.match(/--signer must be an integer from 1/);
      await expectTaskError(runTask("bridge:relayer", { signer: "1", main: "nowhere", product: b.product.url }), /neither an http\(s\) URL nor a network/);
      await expectTaskError(runTask("bridge:relayer", { signer: "1", main: "hardhat", product: b.product.url }), /in-process Hardhat network/);
      await expectTaskError(runTask("bridge:keystore", { out: path.join(dir, "keystores"), count: 6, first: 10, index: 1, passwordEnv: "RELAYER_TEST_PW", scryptN: 1024, force: false }), /exists; pass --force/);
      await expectTaskError(runTask("bridge:keystore", { out: path.join(dir, "k2"), count: 0, first: 10, index: 1, passwordEnv: "RELAYER_TEST_PW", scryptN: 1024, force: false }), /--count must be 1\.\.32/);
      await expectTaskError(runTask("bridge:keystore", { out: path.join(dir, "k2"), count: 1, first: 10, index: 1, passwordEnv: "RELAYER_TEST_PW", scryptN: 1000, force: false }), /power of two/);
      await expectTaskError(runTask("bridge:keystore", { out: path.join(dir, "k2"), count: 1, first: 10, index: 1, keyEnv: "RELAYER_UNSET_KEY", passwordEnv: "RELAYER_TEST_PW", scryptN: 1024, force: false }), /not set/);
      await expectTaskError(runTask("bridge:keystore", { out: path.join(dir, "k2"), count: 1, first: 10, index: 1, passwordEnv: "RELAYER_UNSET_PW", scryptN: 1024, force: false }), /no password/);
      expect(hre.network.name).to.equal("hardhat");
      expect(children.size).to.be.at.least(0);
    });
  });
});
