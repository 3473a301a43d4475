/**
 * The indexer on the real system deployed on two anvil chains (deploy:system on the main chain, deploy:product-chain
 * on the product chain, a main token, a product token at 1:10 and the pair registered through governance — the
 * bridge benchmark's harness), then a deposit: governance proposals with their votes, the bridge queue and limits,
 * a factory-made product token listed before any transfer with its backing (main token locked and ratio), decoded
 * calls to our proxies, and reconciliation of the main token.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { getAddress, parseEther } from "ethers";
import type * as Api from "../../../lib/indexerApi";
import { deposit } from "../../../ops/bridge/deposit";
import type { IndexerHandle } from "../../../services/indexer";
import { deployBridges, killAll, startAnvil, type Bridges } from "../relayer/harness";
import { get, indexedTo, startIndexer } from "./harness";

describe("indexer on the deployed system: governance, bridge, product-token backing", function () {
  this.timeout(300_000);
  let dir: string;
  let b: Bridges;
  let ix: IndexerHandle;
  let depositTx: string;
  const amount = parseEther("5");

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "luniverse-indexer-bridge-"));
    const [main, product] = await Promise.all([startAnvil(31_015), startAnvil(41_015)]);
    b = await deployBridges(dir, main, product, 10n);
    const r = await deposit(b.depositor, { bridge: await b.mainBridge.getAddress(), pairId: b.pairId, amount });
    depositTx = r.transactionHash;
    ix = await startIndexer({
      chains: [
        { id: 31_015, name: "main", role: "main", rpcUrl: main.url, manifest: path.join(dir, "deployments/main.json") },
        { id: 41_015, name: "product", role: "product", rpcUrl: product.url, manifest: path.join(dir, "deployments/product.json") },
      ],
      store: { kind: "sqlite", path: path.join(dir, "index.sqlite") },
      batchBlocks: 200,
    });
    await indexedTo(ix, 31_015, await b.main.provider.getBlockNumber(), 60_000);
    await indexedTo(ix, 41_015, await b.product.provider.getBlockNumber(), 60_000);
  });
  after(async () => {
    await ix?.close();
    killAll();
    b?.main.provider.destroy();
    b?.product.provider.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("lists the pair's registration proposal, executed, with the validators' votes", async () => {
    const r = await get<Api.GovernanceResult>(ix, "/api/v1/chains/main/governance/proposals");
    const p = r.body.find((x) => x.description === "register the test pair");
    expect(p, JSON.stringify(r.body.map((x) => x.description))).to.not.equal(undefined);
    expect(p!.state).to.equal("executed");
    expect(p!.votes.length).to.be.at.least(3);
    expect(p!.votes.every((v) => v.support === 1 && BigInt(v.weight) > 0n)).to.equal(true);
  });

  it("shows the deposit in the bridge queue with the pair's limits and today's use", async () => {
    const r = await get<Api.BridgeResult>(ix, "/api/v1/chains/main/bridge");
    expect(r.body.bridge).to.equal(getAddress(await b.mainBridge.getAddress()));
    expect(r.body.operations).to.have.length(1);
    expect(r.body.operations[0]).to.include({ kind: "deposit", pairId: b.pairId, mainAmount: amount.toString(), productAmount: (amount * 10n).toString(), status: "announced", transactionHash: depositTx });
    expect(r.body.queue.map((o) => o.transactionHash)).to.deep.equal([depositTx]);
    const big = parseEther("1000000");
    expect(r.body.limits).to.deep.include({
      pairId: b.pairId, perTx: big.toString(), daily: (big * 100n).toString(), usedToday: amount.toString(), minPerTx: "1",
      dailyIn: (big * 100n).toString(), dailyOut: (big * 100n).toString(), remainingIn: (big * 100n - amount).toString(), remainingOut: (big * 100n).toString(),
    });
  });

  it("lists a factory-made product token before any transfer, with its creator and the main token locked behind it", async () => {
    const productToken = getAddress(String(b.productToken.target));
    const list = await get<Api.TokenSummary[]>(ix, "/api/v1/chains/product/tokens");
    expect(list.body.find((t) => t.address === productToken)).to.include({ symbol: "PROD", holders: 0, totalSupply: "0", transfers: 0 });
    const t = await get<Api.TokenDetail>(ix, `/api/v1/chains/product/tokens/${productToken}`);
    expect(t.body.contractName).to.equal("ProductToken");
    expect(t.body.creator).to.not.equal(null);
    expect(t.body.backing).to.deep.equal({ mainChainId: 31_015, mainToken: getAddress(String(b.mainToken.target)), mainSymbol: "MAIN", locked: amount.toString(), ratio: "10", bridgePairId: b.pairId });
  });

  it("decodes the deposit as MainBridge.deposit, names the main token behind its beacon proxy, reconciles it with 0 mismatches", async () => {
    const tx = await get<Api.TransactionDetail>(ix, `/api/v1/chains/main/transactions/${depositTx}`);
    expect(tx.body.decodedInput).to.deep.include({ contract: "MainBridge", function: "deposit" });
    expect(tx.body.logs.map((l) => l.decoded?.event)).to.include("Deposited");
    const mainToken = getAddress(String(b.mainToken.target));
    const detail = await get<Api.TokenDetail>(ix, `/api/v1/chains/main/tokens/${mainToken}`);
    expect(detail.body).to.include({ contractName: "MainToken", symbol: "MAIN" }); // a beacon proxy, named after its implementation
    const results = await ix.reconcile(31_015);
    expect(results.find((r) => r.token === mainToken)).to.include({ status: "ok" });
    const holders = await get<Api.Page<Api.TokenHolder>>(ix, `/api/v1/chains/main/tokens/${mainToken}/holders`);
    const bridge = getAddress(await b.mainBridge.getAddress());
    expect(holders.body.items.find((h) => h.address === bridge)).to.include({ balance: amount.toString() });
  });
});
