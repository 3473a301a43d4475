/**
 * The RPC server as ethers v6 sees it: every method's happy path through JsonRpcProvider (HTTP, batched by
 * ethers) and WebSocketProvider (subscriptions), against the in-memory backend — directly, and again through the
 * gateway (services/gateway: an API key in the URL, the block cache, the request log), which must change nothing.
 */
import { expect } from "chai";
import { JsonRpcProvider, Network, WebSocketProvider, Wallet, isError, type Log } from "ethers";
import { BALANCE, CHAIN_ID, GAS_PRICE, RECIPIENT, REVERTER, REVERT_DATA, SENDER, TOKEN, TRANSFER_TOPIC, VALIDATORS } from "./backend";
import { startMock, type Started } from "./helpers";
import { startTestGateway, wsUrl, type TestGateway } from "../../services/gateway/harness";

for (const via of ["direct", "the gateway"] as const)
describe(`node/rpc through ethers v6 (${via})`, function () {
  let s: Started;
  let http: JsonRpcProvider;
  let gateway: TestGateway | undefined;
  let url: string;
  let ws_: string;

  before(async function () {
    s = await startMock();
    url = s.server.url;
    ws_ = s.server.wsUrl;
    if (via === "the gateway") {
      gateway = await startTestGateway({ config: { chains: [{ id: Number(CHAIN_ID), name: "mock", upstreams: [{ name: "mock", url: s.server.url }] }] } });
      const key = await gateway.key("ethers-test", { chains: ["mock"] });
      url = gateway.gw.rpcUrl("mock", key.key);
      ws_ = wsUrl(gateway.gw, "mock", key.key);
    }
    http = new JsonRpcProvider(url, undefined, { polling: true, pollingInterval: 50 });
  });

  after(async function () {
    http.destroy();
    await gateway?.close();
    await s.server.close();
  });

  describe("JsonRpcProvider over HTTP", function () {
    it("detects the network from eth_chainId", async function () {
      const network = await http.getNetwork();
      expect(network.chainId).to.equal(CHAIN_ID);
    });

    it("reads the head with getBlockNumber", async function () {
      expect(await http.getBlockNumber()).to.equal(2);
    });

    it("reads balances at latest, a number, pending and finalized", async function () {
      expect(await http.getBalance(SENDER.address)).to.equal(BALANCE);
      expect(s.backend.last("getBalance")!.args[1]).to.equal(2n);
      expect(await http.getBalance(SENDER.address, 1)).to.equal(BALANCE);
      expect(s.backend.last("getBalance")!.args[1]).to.equal(1n);
      expect(await http.getBalance(SENDER.address, "pending")).to.equal(BALANCE - 1n);
      expect(s.backend.last("getBalance")!.args[1]).to.equal("pending");
      await http.getBalance(SENDER.address, "finalized");
      expect(s.backend.last("getBalance")!.args[1]).to.equal(s.backend.finalized);
      expect(await http.getBalance(RECIPIENT, "earliest")).to.equal(0n);
      expect(s.backend.last("getBalance")!.args[1]).to.equal(0n);
    });

    it("reads code, storage and the nonce", async function () {
      expect(await http.getCode(TOKEN)).to.equal("0x6080604052");
      expect(await http.getCode(RECIPIENT)).to.equal("0x");
      expect(BigInt(await http.getStorage(TOKEN, 0))).to.equal(42n);
      expect(await http.getTransactionCount(SENDER.address)).to.equal(1);
      expect(await http.getTransactionCount(SENDER.address, 0)).to.equal(0);
    });

    it("calls and estimates gas", async function () {
      expect(BigInt(await http.call({ to: TOKEN, data: "0x70a08231" }))).to.equal(42n);
      const call = s.backend.last("call")!;
      expect(call.args[0]).to.deep.include({ to: TOKEN, data: "0x70a08231" });
      expect(await http.estimateGas({ to: TOKEN, data: "0x00" })).to.equal(21_016n);
    });

    it("decodes a revert of eth_call as CALL_EXCEPTION with the revert data and reason", async function () {
      try {
        await http.call({ to: REVERTER, data: "0x12345678" });
        expect.fail("the call should revert");
      } catch (e) {
        expect(isError(e, "CALL_EXCEPTION"), String(e)).to.equal(true);
        if (!isError(e, "CALL_EXCEPTION")) return;
        expect(e.data).to.equal(REVERT_DATA);
        expect(e.reason).to.equal("nope");
      }
    });

    it("decodes a revert of eth_estimateGas as CALL_EXCEPTION", async function () {
      try {
        await http.estimateGas({ to: REVERTER });
        expect.fail("the estimate should revert");
      } catch (e) {
        expect(isError(e, "CALL_EXCEPTION"), String(e)).to.equal(true);
        if (isError(e, "CALL_EXCEPTION")) expect(e.reason).to.equal("nope");
      }
    });

    it("reads fee data (gas price, priority fee, base fee)", async function () {
      const fees = await http.getFeeData();
      expect(fees.gasPrice).to.equal(GAS_PRICE);
      expect(fees.maxPriorityFeePerGas).to.equal(GAS_PRICE / 2n);
      expect(fees.maxFeePerGas).to.equal(2n * GAS_PRICE + GAS_PRICE / 2n);
    });

    it("reads fee history", async function () {
      const h = await http.send("eth_feeHistory", ["0x2", "latest", [25, 75]]);
      expect(h.oldestBlock).to.equal("0x1");
      expect(h.baseFeePerGas).to.have.length(3);
      expect(h.reward).to.have.length(2);
      expect(s.backend.last("feeHistory")!.args).to.deep.equal([2, 2n, [25, 75]]);
    });

    it("reads blocks by number, tag and hash, with and without transactions", async function () {
      const b1 = await http.getBlock(1, true);
      expect(b1!.number).to.equal(1);
      expect(b1!.prefetchedTransactions).to.have.length(1);
      expect(b1!.prefetchedTransactions[0].from).to.equal(SENDER.address);
      const latest = await http.getBlock("latest");
      expect(latest!.number).to.equal(2);
      const byHash = await http.getBlock(b1!.hash!);
      expect(byHash!.number).to.equal(1);
      expect(byHash!.transactions).to.deep.equal([b1!.prefetchedTransactions[0].hash]);
      expect(await http.getBlock(99)).to.equal(null);
      const pending = await http.getBlock("pending");
      expect(pending!.number).to.equal(2);
    });

    it("reads a transaction and its receipt with logs", async function () {
      const hash = s.backend.blocks[1].transactions[0] as string;
      const tx = await http.getTransaction(hash);
      expect(tx!.from).to.equal(SENDER.address);
      expect(tx!.to).to.equal(TOKEN);
      expect(tx!.blockNumber).to.equal(1);
      const receipt = await http.getTransactionReceipt(hash);
      expect(receipt!.status).to.equal(1);
      expect(receipt!.logs).to.have.length(1);
      expect(receipt!.logs[0].topics[0]).to.equal(TRANSFER_TOPIC);
      expect(await http.getTransaction(`0x${"ab".repeat(32)}`)).to.equal(null);
    });

    it("filters logs by range, address and topics", async function () {
      const all = await http.getLogs({ fromBlock: 0, toBlock: "latest" });
      expect(all).to.have.length(1);
      expect(all[0].address).to.equal(TOKEN);
      const byTopic = await http.getLogs({ fromBlock: 0, address: TOKEN, topics: [TRANSFER_TOPIC, null, [`0x${"00".repeat(12)}${RECIPIENT.slice(2)}`]] });
      expect(byTopic).to.have.length(1);
      expect(await http.getLogs({ fromBlock: 0, topics: [`0x${"11".repeat(32)}`] })).to.have.length(0);
      expect(await http.getLogs({ fromBlock: 2, toBlock: 2 })).to.have.length(0);
      const byHash = await http.getLogs({ blockHash: s.backend.blocks[1].hash });
      expect(byHash).to.have.length(1);
    });

    it("broadcasts a signed transaction and reports a reused nonce as NONCE_EXPIRED", async function () {
      const raw = await SENDER.signTransaction({ type: 2, chainId: CHAIN_ID, nonce: 1, to: RECIPIENT, value: 1n, gasLimit: 21_000n, maxFeePerGas: 2n * GAS_PRICE, maxPriorityFeePerGas: 1n });
      const sent = await http.broadcastTransaction(raw);
      expect(s.backend.pool.has(sent.hash)).to.equal(true);
      const pendingTx = await http.getTransaction(sent.hash);
      expect(pendingTx!.blockNumber).to.equal(null);
      const stale = await SENDER.signTransaction({ type: 2, chainId: CHAIN_ID, nonce: 0, to: RECIPIENT, value: 1n, gasLimit: 21_000n, maxFeePerGas: 2n * GAS_PRICE, maxPriorityFeePerGas: 1n });
      try {
        await http.broadcastTransaction(stale);
        expect.fail("a reused nonce should be refused");
      } catch (e) {
        expect(isError(e, "NONCE_EXPIRED"), String(e)).to.equal(true);
      }
      s.backend.pool.clear();
    });

    it("answers the luniverse_ namespace and the node methods real clients call", async function () {
      expect(await http.send("luniverse_validators", [])).to.deep.equal(VALIDATORS);
      const fin = await http.send("luniverse_getFinality", ["0x1"]);
      expect(fin.final).to.equal(true);
      expect(fin.signatures).to.have.length(2);
      const byHash = await http.send("luniverse_getFinality", [s.backend.blocks[2].hash]);
      expect(byHash.number).to.equal("0x2");
      expect((await http.send("luniverse_status", [])).chainId).to.equal(`0x${CHAIN_ID.toString(16)}`);
      expect(await http.send("luniverse_peers", [])).to.have.length(1);
      expect(await http.send("net_version", [])).to.equal(CHAIN_ID.toString());
      expect(await http.send("web3_clientVersion", [])).to.equal("luniverse-mock/0.1.0");
      expect(await http.send("eth_accounts", [])).to.deep.equal([]);
      expect(await http.listAccounts()).to.deep.equal([]);
      expect(await http.send("net_listening", [])).to.equal(true);
      expect(await http.send("net_peerCount", [])).to.equal("0x1");
      expect(await http.send("eth_syncing", [])).to.equal(false);
      expect(await http.send("eth_mining", [])).to.equal(true);
      expect(await http.send("eth_hashrate", [])).to.equal("0x0");
      expect(await http.send("eth_coinbase", [])).to.equal(VALIDATORS[0]);
      expect(await http.send("web3_sha3", ["0x"])).to.equal("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    });

    it("answers the block and transaction index methods", async function () {
      const b1 = s.backend.blocks[1];
      expect(await http.send("eth_getBlockTransactionCountByNumber", ["0x1"])).to.equal("0x1");
      expect(await http.send("eth_getBlockTransactionCountByHash", [b1.hash])).to.equal("0x1");
      expect(await http.send("eth_getBlockTransactionCountByNumber", ["0x63"])).to.equal(null);
      expect((await http.send("eth_getTransactionByBlockNumberAndIndex", ["0x1", "0x0"])).hash).to.equal(b1.transactions[0]);
      expect((await http.send("eth_getTransactionByBlockHashAndIndex", [b1.hash, "0x0"])).hash).to.equal(b1.transactions[0]);
      expect(await http.send("eth_getTransactionByBlockNumberAndIndex", ["0x1", "0x5"])).to.equal(null);
      expect(await http.send("eth_getUncleCountByBlockNumber", ["latest"])).to.equal("0x0");
      expect(await http.send("eth_getUncleCountByBlockHash", [b1.hash])).to.equal("0x0");
    });

    it("sees new blocks by polling (on block)", async function () {
      const seen = new Promise<number>((resolve) => http.once("block", (n: number) => resolve(n)));
      await new Promise((r) => setTimeout(r, 150));
      const mined = s.backend.mine();
      expect(await seen).to.be.at.least(Number(mined.number) - 1);
    });
  });

  describe("WebSocketProvider", function () {
    let ws: WebSocketProvider;

    before(async function () {
      ws = new WebSocketProvider(ws_, Network.from(CHAIN_ID));
      await ws.getBlockNumber();
    });

    after(async function () {
      await ws.destroy();
    });

    it("answers plain calls over the socket", async function () {
      expect(await ws.getBlockNumber()).to.equal(Number(s.backend.blockNumber()));
      expect(await ws.getBalance(SENDER.address)).to.equal(BALANCE);
      expect((await ws.getNetwork()).chainId).to.equal(CHAIN_ID);
    });

    it("delivers new heads to on('block') through eth_subscribe newHeads", async function () {
      const seen = new Promise<number>((resolve) => ws.once("block", (n: number) => resolve(n)));
      await new Promise((r) => setTimeout(r, 100)); // the subscription is sent asynchronously
      const mined = s.backend.mine();
      expect(await seen).to.equal(Number(mined.number));
    });

    it("delivers matching logs to an event filter through eth_subscribe logs", async function () {
      const seen = new Promise<Log>((resolve) => ws.once({ address: TOKEN, topics: [TRANSFER_TOPIC] }, (log: Log) => resolve(log)));
      await new Promise((r) => setTimeout(r, 100));
      const next = await s.backend.getTransactionCount(SENDER.address.toLowerCase() as `0x${string}`, "pending");
      const raw = await SENDER.signTransaction({ type: 2, chainId: CHAIN_ID, nonce: Number(next), to: TOKEN, gasLimit: 50_000n, maxFeePerGas: 2n * GAS_PRICE, maxPriorityFeePerGas: 1n });
      const sent = await ws.broadcastTransaction(raw);
      const mined = s.backend.mine();
      const log = await seen;
      expect(log.transactionHash).to.equal(sent.hash);
      expect(log.blockNumber).to.equal(Number(mined.number));
      const receipt = await sent.wait(1, 5_000);
      expect(receipt!.blockNumber).to.equal(Number(mined.number));
    });

    it("reverts decode the same way over WebSocket", async function () {
      const wallet = Wallet.createRandom().connect(ws);
      try {
        await wallet.call({ to: REVERTER });
        expect.fail("the call should revert");
      } catch (e) {
        expect(isError(e, "CALL_EXCEPTION"), String(e)).to.equal(true);
        if (isError(e, "CALL_EXCEPTION")) expect(e.data).to.equal(REVERT_DATA);
      }
    });
  });
});
