/**
 * Bridge, governance and anchoring events as the contracts emit them (encoded with the compiled ABIs, so a change of
 * an event's signature breaks this test) go through the indexer's decoder and store (a real SQLite file) and come
 * out of the API's bridge, governance and anchoring pages.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { getAddress, hexlify, id, randomBytes, type Interface } from "ethers";
import type * as Api from "../../../lib/indexerApi";
import { silentLogger } from "../../../lib/log";
import { typechain } from "../../../lib/typechain";
import { IndexerApi, missedProposals } from "../../../services/indexer/api";
import { parseIndexerConfig } from "../../../services/indexer/config";
import { ContractCatalog, decodeDomainEvent, decodeTransfer, roundOf } from "../../../services/indexer/decode";
import { indexerMetrics } from "../../../services/indexer/metrics";
import { startServer, type IndexerServer } from "../../../services/indexer/server";
import { openStore, type IndexerStore, type IngestBlock } from "../../../services/indexer/store";
import { startPostgres, type PostgresServer } from "../../helpers/postgres";

const MAIN = 2018;
const PRODUCT = 3018;
const ETH = 31337;

for (const kind of ["sqlite", "postgres"] as const) describe(`indexer: bridge, governance and anchoring events (${kind} store)`, function () {
  this.timeout(60_000);
  let pg: PostgresServer | undefined;
  let dir: string;
  let store: IndexerStore;
  let server: IndexerServer;
  const addr = () => getAddress(hexlify(randomBytes(20)));
  const [sender, recipient, voter, emitter] = [addr(), addr(), addr(), addr()];
  const depositId = id("deposit-1");
  const redeemId = id("redeem-1");
  const pairId = id("pair-1");

  function log(iface: Interface, name: string, args: unknown[]) {
    const { topics, data } = iface.encodeEventLog(name, args);
    const raw = { address: emitter, topics: topics.map((t) => t.toLowerCase()), data: data.toLowerCase() };
    return raw;
  }
  function block(number: number, logs: ReturnType<typeof log>[]): IngestBlock {
    return {
      number, hash: hexlify(randomBytes(32)), parentHash: hexlify(randomBytes(32)), timestamp: 1_700_000_000 + number, miner: emitter, round: 0, gasUsed: 0, gasLimit: 30_000_000,
      baseFeePerGas: null, extraData: "0x", stateRoot: hexlify(randomBytes(32)), transactionsRoot: hexlify(randomBytes(32)), receiptsRoot: hexlify(randomBytes(32)), size: null, finality: null,
      txs: [{
        hash: hexlify(randomBytes(32)), index: 0, from: sender, to: emitter, contractAddress: null, value: 0n, status: 1, gasUsed: 1n, gas: 1n, gasPrice: null, maxFeePerGas: null,
        maxPriorityFeePerGas: null, effectiveGasPrice: null, type: 2, nonce: number, input: "0x", cumulativeGasUsed: 1n,
        logs: logs.map((l, i) => ({ index: i, ...l, transfer: decodeTransfer(l), domain: decodeDomainEvent(l) })),
      }],
    };
  }

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "luniverse-indexer-events-"));
    if (kind === "postgres") pg = await startPostgres();
    store = await openStore(pg ? { kind: "postgres", url: pg.url } : { kind: "sqlite", path: path.join(dir, "index.sqlite") });
    const tc = typechain();
    const mainBridge = tc.MainBridge__factory.createInterface();
    const productBridge = tc.ProductBridge__factory.createInterface();
    const governor = tc.LuniverseGovernor__factory.createInterface();
    const anchors = tc.AnchorRegistry__factory.createInterface();
    for (const [chainId, name, role] of [[MAIN, "main", "main"], [PRODUCT, "product", "product"], [ETH, "ethereum", "ethereum"]] as const) await store.registerChain(chainId, name, role, 0);
    await store.ingest(MAIN, [
      block(0, [
        log(mainBridge, "Deposited", [depositId, pairId, sender, recipient, 100n, 1000n, PRODUCT, 1n]),
        log(governor, "ProposalCreated", [7n, sender, [emitter], [0n], [""], ["0x"], 10n, 20n, "raise the limit"]),
        log(anchors, "RangeAnchored", [PRODUCT, 0n, 1n, 64n, id("root-1"), sender]),
      ]),
      block(1, [log(governor, "VoteCast", [voter, 7n, 1, 5n, "yes"]), log(governor, "ProposalQueued", [7n, 99n]), log(mainBridge, "Released", [redeemId, pairId, recipient, 5n])]),
    ], []);
    await store.ingest(PRODUCT, [block(0, [log(productBridge, "Redeemed", [redeemId, pairId, sender, recipient, 50n, 5n, MAIN, 1n])]), block(1, [])], []);
    await store.ingest(ETH, [block(0, [log(anchors, "RangeAnchored", [MAIN, 0n, 1n, 128n, id("root-2"), sender])])], []);
    const chains = parseIndexerConfig({ chains: [{ id: MAIN, name: "main", role: "main", rpcUrl: "http://127.0.0.1:9" }, { id: PRODUCT, name: "product", role: "product", rpcUrl: "http://127.0.0.1:9" }, { id: ETH, name: "ethereum", role: "ethereum", rpcUrl: "http://127.0.0.1:9" }] }).chains;
    server = await startServer(new IndexerApi(store, chains, ContractCatalog.load()), { host: "127.0.0.1", port: 0, logger: silentLogger, metrics: indexerMetrics() });
  });
  after(async () => {
    await server?.close();
    await store?.close();
    await pg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const get = async <T>(p: string): Promise<T> => (await (await fetch(`${server.url}${p}`)).json()) as T;

  it("shows a deposit announced on the main chain and not yet minted in the bridge queue", async () => {
    const r = await get<Api.BridgeResult>("/api/v1/chains/main/bridge");
    expect(r.operations).to.have.length(1);
    expect(r.operations[0]).to.include({ id: depositId, kind: "deposit", pairId, sender, recipient, mainAmount: "100", productAmount: "1000", status: "announced", chainId: MAIN });
    expect(r.queue.map((o) => o.id)).to.deep.equal([depositId]);
  });

  it("marks a redeem executed once the main bridge released it", async () => {
    const r = await get<Api.BridgeResult>("/api/v1/chains/product/bridge");
    expect(r.operations[0]).to.include({ id: redeemId, kind: "redeem", mainAmount: "5", productAmount: "50", status: "executed" });
    expect(r.queue).to.deep.equal([]);
  });

  it("lists governance proposals with their state and votes", async () => {
    const r = await get<Api.GovernanceResult>("/api/v1/chains/main/governance/proposals");
    expect(r).to.have.length(1);
    expect(r[0]).to.include({ id: "7", proposer: sender, description: "raise the limit", state: "queued" });
    expect(r[0]!.votes.map((v) => [v.voter, v.support, v.weight])).to.deep.equal([[voter, 1, "5"]]);
  });

  it("reports anchoring phase 1 (product → main) and phase 2 (main → Ethereum) against the child's head", async () => {
    const product = await get<Api.AnchoringResult>("/api/v1/chains/product/anchoring");
    expect(product.phases).to.deep.equal([{ phase: 1, childChainId: PRODUCT, parentChainId: MAIN, lastAnchoredHeight: 64, childHeadHeight: 1, lag: -63 }]);
    const main = await get<Api.AnchoringResult>("/api/v1/chains/main/anchoring");
    expect(main.phases.map((p) => [p.phase, p.childChainId, p.parentChainId, p.lastAnchoredHeight]).sort()).to.deep.equal([[1, PRODUCT, MAIN, 64], [2, MAIN, ETH, 128]]);
  });

  it("counts a missed proposal for each round a block skipped: validators[(h + i) % n] of the block's set", () => {
    const set = ["0xA", "0xB", "0xC", "0xD"];
    // height 10, round 2: rounds 0 and 1 belonged to validators[(10+0)%4] = C and validators[(10+1)%4] = D
    expect(missedProposals([{ number: 10, round: 2 }, { number: 11, round: 0 }, { number: 13, round: 1 }], [set, set, set])).to.deep.equal([
      { validator: "0xC", block: 10 },
      { validator: "0xD", block: 10 },
      { validator: "0xB", block: 13 },
    ]);
    expect(missedProposals([{ number: 5, round: 1 }], [null])).to.deep.equal([]);
  });

  it("reads the consensus round from extraData's first 8 bytes", () => {
    expect(roundOf("0x0000000000000003" + "ab".repeat(32))).to.equal(3);
    expect(roundOf("0x")).to.equal(null);
  });

  it("refuses a batch that does not start right after the cursor (no block written twice)", async () => {
    let err: Error | undefined;
    await store.ingest(MAIN, [block(1, [])], []).catch((e: Error) => (err = e));
    expect(err?.message).to.match(/batch starts at block 1 but chain 2018 is indexed up to 1 — only one indexer may write a chain/);
  });
});
