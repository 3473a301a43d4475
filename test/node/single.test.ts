/**
 * One validator node as a real process on 127.0.0.1: standard clients (ethers, Hardhat over HTTP) against it,
 * malformed input, restart and kill -9 during load.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider, Wallet, WebSocketProvider, parseEther, Transaction } from "ethers";
import { NodeProcess, devKey, freePort, height, rpc, run, testGenesis, waitFor } from "./helpers/nodes";

const CHAIN_ID = 7101;

describe("node: one validator of a gas-free product chain (real process, JSON-RPC over HTTP and WebSocket)", function () {
  this.timeout(600_000);
  let genesis: string;
  let dir: string;
  let node: NodeProcess;

  before(async () => {
    genesis = await testGenesis({ chainId: CHAIN_ID, validators: 1, gasFree: true });
    // a fresh chain with this id: the upgrades plugin's records of an earlier one are void
    rmSync(path.join(__dirname, "../../.openzeppelin", `unknown-${CHAIN_ID}.json`), { force: true });
    dir = mkdtempSync(path.join(tmpdir(), "luniverse-single-"));
    node = new NodeProcess(
      { genesis, dataDir: path.join(dir, "data"), rpcPort: await freePort(), p2pPort: await freePort(), peers: [], validator: 1, config: { gasFree: { enabled: true, maxTxPerSenderPerMinute: 450 } } },
      "single",
    );
    await node.start();
  });
  after(async () => {
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("produces final blocks whose proposer is the validator set's, with the commit signature served", async () => {
    await waitFor("3 blocks", async () => (await height(node.rpc)) >= 3, 20_000);
    const block = await rpc<{ miner: string; number: string; hash: string }>(node.rpc, "eth_getBlockByNumber", ["0x2", false]);
    expect(block.miner.toLowerCase()).to.equal(devKey(1).address.toLowerCase());
    const [validator] = await rpc<string[]>(node.rpc, "luniverse_validators", []);
    expect(validator!.toLowerCase()).to.equal(devKey(1).address.toLowerCase());
    const finality = await rpc<{ final: boolean; threshold: number; signatures: { validator: string }[] }>(node.rpc, "luniverse_getFinality", ["0x2"]);
    expect(finality.final).to.equal(true);
    expect(finality.threshold).to.equal(1);
    expect(finality.signatures.map((s) => s.validator.toLowerCase())).to.deep.equal([devKey(1).address.toLowerCase()]);
  });

  it("serves ethers v6 unchanged: transfer, receipt, block with transactions, nonce", async () => {
    const provider = new JsonRpcProvider(node.rpc, undefined, { staticNetwork: true, pollingInterval: 200 });
    try {
      expect((await provider.getNetwork()).chainId).to.equal(BigInt(CHAIN_ID));
      const wallet = new Wallet(devKey(3).privateKey, provider);
      const to = Wallet.createRandom().address;
      const tx = await wallet.sendTransaction({ to, value: parseEther("1.5") });
      const receipt = await tx.wait();
      expect(receipt!.status).to.equal(1);
      expect(await provider.getBalance(to)).to.equal(parseEther("1.5"));
      const block = await provider.getBlock(receipt!.blockNumber, true);
      expect(block!.prefetchedTransactions.map((t) => t.hash)).to.include(tx.hash);
      expect(await provider.getTransactionCount(wallet.address)).to.equal(tx.nonce + 1);
      // the same transaction again: the pool says why, in geth's words
      const again = await provider.broadcastTransaction(Transaction.from(tx).serialized).then(
        () => null,
        (err: Error) => err.message,
      );
      expect(again).to.match(/nonce too low|already known|NONCE_EXPIRED/);
      // WebSocket: new heads pushed by eth_subscribe
      const ws = new WebSocketProvider(node.rpc.replace("http", "ws"), undefined, { staticNetwork: true });
      try {
        const head = await new Promise<number>((resolve) => void ws.on("block", (n: number) => resolve(n)));
        expect(head).to.be.greaterThan(0);
      } finally {
        await ws.destroy();
      }
    } finally {
      provider.destroy();
    }
  });

  it("admits gas price 0 (gas-free) and rate-limits each sender", async () => {
    const wallet = new Wallet(devKey(8).privateKey);
    const base = Number(await rpc<string>(node.rpc, "eth_getTransactionCount", [wallet.address, "pending"]));
    const free = await wallet.signTransaction({ to: devKey(9).address, value: 1n, chainId: CHAIN_ID, nonce: base, gasLimit: 21000, gasPrice: 0n, type: 0 });
    const hash = await rpc<string>(node.rpc, "eth_sendRawTransaction", [free]);
    await waitFor("the free transaction mined", async () => (await rpc<{ status: string } | null>(node.rpc, "eth_getTransactionReceipt", [hash]))?.status === "0x1", 20_000);
    const raws: string[] = [];
    for (let i = 1; i <= 450; i++) raws.push(await wallet.signTransaction({ to: devKey(9).address, value: 1n, chainId: CHAIN_ID, nonce: base + i, gasLimit: 21000, gasPrice: 0n, type: 0 }));
    // one JSON-RPC batch: answers come back per call, in order
    const res = await fetch(node.rpc, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(raws.map((r, i) => ({ jsonrpc: "2.0", id: i, method: "eth_sendRawTransaction", params: [r] }))) });
    const replies = (await res.json()) as { id: number; result?: string; error?: { message: string } }[];
    expect(replies.map((r) => r.id)).to.deep.equal(raws.map((_, i) => i));
    const answers = replies.map((r) => (r.error ? r.error.message : "ok"));
    const refused = answers.filter((a) => a !== "ok");
    expect(answers.filter((a) => a === "ok")).to.have.length(449); // 450 per minute, the first one included
    expect(refused).to.have.length(1);
    expect(refused[0]).to.match(/rate limit exceeded/);
    expect(replies[449]!.error, "the 451st transaction of the minute is the one refused").to.not.equal(undefined);
  });

  it("keeps concurrent calls apart: no call or read sees another call's simulated writes", async () => {
    const to = devKey(11).address;
    const before = await rpc<string>(node.rpc, "eth_getBalance", [to, "latest"]);
    const calls = Array.from({ length: 30 }, () => rpc(node.rpc, "eth_call", [{ from: devKey(10).address, to, value: "0xde0b6b3a7640000" }, "latest"]));
    const reads = Array.from({ length: 30 }, () => rpc<string>(node.rpc, "eth_getBalance", [to, "latest"]));
    const [, balances] = await Promise.all([Promise.all(calls), Promise.all(reads)]);
    const head = await height(node.rpc);
    const now = await rpc<string>(node.rpc, "eth_getBalance", [to, `0x${head.toString(16)}`]);
    for (const b of balances) expect([before, now]).to.include(b);
  });

  it("runs the bridge flow test with Hardhat pointed at the node over HTTP", async () => {
    const out = await run("npx", ["hardhat", "test", "test/remote/bridge-flow.test.ts", "--network", "luniverse"], 300_000, { LUNIVERSE_RPC_URL: node.rpc });
    expect(out).to.match(/1 passing/);
  });

  it("answers malformed input with JSON-RPC errors and keeps serving", async () => {
    const post = async (body: string) => {
      const res = await fetch(node.rpc, { method: "POST", headers: { "content-type": "application/json" }, body });
      return { status: res.status, body: (await res.text()) };
    };
    expect(JSON.parse((await post("{not json")).body).error.code).to.equal(-32700);
    expect(JSON.parse((await post(JSON.stringify({ jsonrpc: "1.0", id: 1, method: "eth_blockNumber" }))).body).error.code).to.equal(-32600);
    expect(JSON.parse((await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_nope", params: [] }))).body).error.code).to.equal(-32601);
    expect(JSON.parse((await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_getBalance", params: ["0x1234", "latest"] }))).body).error.code).to.equal(-32602);
    const big = await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_call", params: [{ data: "0x" + "00".repeat(6_000_000) }, "latest"] }));
    expect(big.status).to.equal(413);
    const batch = Array.from({ length: 1001 }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "eth_chainId", params: [] }));
    expect(JSON.parse((await post(JSON.stringify(batch))).body).error.code).to.equal(-32600);
    // a transaction whose signature belongs to nobody: decoding refuses it, the pool never sees it
    const good = Transaction.from(await new Wallet(devKey(4).privateKey).signTransaction({ to: devKey(5).address, value: 1n, chainId: CHAIN_ID, nonce: 0, gasLimit: 21000, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n, type: 2 }));
    const broken = good.serialized.slice(0, -8) + "deadbeef";
    const bad = JSON.parse((await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_sendRawTransaction", params: [broken] }))).body);
    expect(bad.error.code).to.equal(-32000);
    const wrongChain = await new Wallet(devKey(4).privateKey).signTransaction({ to: devKey(5).address, value: 1n, chainId: 1, nonce: 0, gasLimit: 21000, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n, type: 2 });
    const wc = JSON.parse((await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_sendRawTransaction", params: [wrongChain] }))).body);
    expect(wc.error.code).to.equal(-32000);
    expect(wc.error.message).to.match(/chain/i);
    // still serving
    expect(await height(node.rpc)).to.be.greaterThan(0);
  });

  it("resumes exactly where it stopped after a restart, and keeps every final block after kill -9 during load", async () => {
    // clean restart
    const before = await height(node.rpc);
    await node.stop();
    await node.start();
    expect(await height(node.rpc)).to.be.at.least(before);
    // load: a stream of transfers from one sender, kill -9 in the middle of it
    const provider = new JsonRpcProvider(node.rpc, undefined, { staticNetwork: true });
    const wallet = new Wallet(devKey(6).privateKey, provider);
    let nonce = await provider.getTransactionCount(wallet.address);
    const raws: string[] = [];
    for (let i = 0; i < 400; i++) raws.push(await wallet.signTransaction({ to: devKey(7).address, value: 1n, chainId: CHAIN_ID, nonce: nonce++, gasLimit: 21000, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n, type: 2 }));
    provider.destroy();
    const sending = (async () => {
      for (let i = 0; i < raws.length; i += 20) {
        await Promise.all(raws.slice(i, i + 20).map((r) => rpc(node.rpc, "eth_sendRawTransaction", [r]).catch(() => undefined)));
      }
    })();
    await waitFor("some load committed", async () => Number(await rpc<string>(node.rpc, "eth_getTransactionCount", [wallet.address, "latest"])) > nonce - 380, 30_000, 50);
    const seen = await height(node.rpc);
    const hashes: string[] = [];
    const roots: string[] = [];
    for (let n = 0; n <= seen; n++) {
      const b = await rpc<{ hash: string; stateRoot: string }>(node.rpc, "eth_getBlockByNumber", [`0x${n.toString(16)}`, false]);
      hashes.push(b.hash);
      roots.push(b.stateRoot);
    }
    await node.kill9();
    await sending;
    await node.start();
    expect(await height(node.rpc)).to.be.at.least(seen);
    for (let n = 0; n <= seen; n++) {
      const b = await rpc<{ hash: string; stateRoot: string }>(node.rpc, "eth_getBlockByNumber", [`0x${n.toString(16)}`, false]);
      expect(b.hash, `block ${n} after kill -9`).to.equal(hashes[n]);
      expect(b.stateRoot).to.equal(roots[n]);
    }
    // the state of the last seen block is readable and the chain goes on
    const balance = await rpc<string>(node.rpc, "eth_getBalance", [devKey(7).address, `0x${seen.toString(16)}`]);
    expect(BigInt(balance) > 0n).to.equal(true);
    const h = await height(node.rpc);
    await waitFor("a new block after the restart", async () => (await height(node.rpc)) > h, 20_000);
  });
});
