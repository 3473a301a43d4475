/**
 * The indexer on our own node (one validator, the system contracts from genesis): proposer, round and finality
 * signatures of each block, the validators page from the ValidatorSet, a call to a system contract decoded by the
 * genesis manifest, a reverted transaction's custom error, and reconciliation at a historical block of our node.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Contract, getAddress } from "ethers";
import type * as Api from "../../../lib/indexerApi";
import type { IndexerHandle } from "../../../services/indexer";
import { NodeProcess, devKey, freePort, testGenesis } from "../../node/helpers/nodes";
import { as, chainClient, deploy, get, head, indexedTo, send, startIndexer, type AnyContract, type Chain } from "./harness";

const CHAIN_ID = 7115;

describe("indexer on our node (system contracts, finality, validators)", function () {
  this.timeout(300_000);
  let genesis: string;
  let dir: string;
  let node: NodeProcess;
  let chain: Chain;
  let ix: IndexerHandle;
  let token: AnyContract;
  let validator: string;

  before(async () => {
    genesis = await testGenesis({ chainId: CHAIN_ID, validators: 1 });
    rmSync(path.join(__dirname, "../../../.openzeppelin", `unknown-${CHAIN_ID}.json`), { force: true });
    dir = mkdtempSync(path.join(tmpdir(), "luniverse-indexer-node-"));
    node = new NodeProcess({ genesis, dataDir: path.join(dir, "data"), rpcPort: await freePort(), p2pPort: await freePort(), peers: [], validator: 1 }, "indexer-node");
    await node.start();
    chain = chainClient(node.rpc, CHAIN_ID);
    validator = getAddress(devKey(1).address);
    token = await deploy(chain.signers[2]!, "IndexerTestToken", ["Node Test", "NTT"]);
    ix = await startIndexer({ chains: [{ id: CHAIN_ID, name: "main", role: "main", rpcUrl: node.rpc, manifest: genesis }], store: { kind: "sqlite", path: path.join(dir, "index.sqlite") } });
  });
  after(async () => {
    await ix?.close();
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("records each block's proposer, round and finality signers", async () => {
    const h = await head(chain);
    await indexedTo(ix, CHAIN_ID, h);
    const block = await get<Api.BlockDetail>(ix, `/api/v1/chains/main/blocks/${h}`);
    expect(block.status).to.equal(200);
    expect(block.body.proposer).to.equal(validator);
    expect(block.body.round).to.equal(0);
    expect(block.body.finalitySigners).to.equal(1);
    expect(block.body.finalitySignerAddresses).to.deep.equal([validator]);
  });

  it("lists the validators with stake, proposals and last signature from the ValidatorSet and the headers", async () => {
    const h = await head(chain);
    await indexedTo(ix, CHAIN_ID, h);
    const r = await get<Api.ValidatorsResult>(ix, "/api/v1/chains/main/validators");
    expect(r.status).to.equal(200);
    expect(r.body.supported).to.equal(true);
    expect(r.body.validators).to.have.length(1);
    const v = r.body.validators[0]!;
    expect(v).to.include({ address: validator, active: true, jailed: false, missed: 0 });
    expect(BigInt(v.stake) > 0n).to.equal(true);
    const proposed = await ix.store.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM idx_blocks WHERE chain_id = ? AND number > 0 AND miner = ?", [CHAIN_ID, validator]);
    expect(v.proposed).to.equal(proposed!.n);
    expect(v.lastSigned).to.be.at.least(h);
    expect(v.epochs.length).to.be.greaterThan(0);
    expect(v.epochs.reduce((n, e) => n + e.proposed, 0)).to.be.at.most(v.proposed);
  });

  it("decodes a call to a system contract (by the genesis manifest) and a reverted call's custom error", async () => {
    const systemContracts = (JSON.parse(readFileSync(genesis, "utf8")) as { luniverse: { systemContracts: Record<string, string> } }).luniverse.systemContracts;
    const staking = getAddress(systemContracts.StakingToken!);
    const erc20 = new Contract(staking, ["function approve(address,uint256) returns (bool)"], chain.signers[3]!) as unknown as AnyContract;
    const approveTx = await erc20.approve(chain.addresses[2]!, 5n);
    await approveTx.wait();
    const signer = chain.signers[2]!;
    await send(as(token, signer).mint(chain.addresses[2]!, 10n));
    const bad = await as(token, signer).burn(11n, { gasLimit: 200_000n });
    const receipt = await chain.provider.getTransactionReceipt(bad.hash).then(async (r) => r ?? (await bad.wait().catch(() => null), chain.provider.getTransactionReceipt(bad.hash)));
    expect(receipt!.status).to.equal(0);
    await indexedTo(ix, CHAIN_ID, receipt!.blockNumber);
    const ok = await get<Api.TransactionDetail>(ix, `/api/v1/chains/main/transactions/${approveTx.hash}`);
    expect(ok.body.method).to.equal("approve");
    expect(ok.body.decodedInput).to.deep.include({ contract: "StakingToken", function: "approve" });
    expect(ok.body.logs[0]!.decoded).to.include({ contract: "StakingToken", event: "Approval" });
    const addr = await get<Api.AddressDetail>(ix, `/api/v1/chains/main/addresses/${staking}`);
    expect(addr.body.contract).to.include({ name: "StakingToken", source: "manifest" });
    expect(addr.body.contract!.abi.length).to.be.greaterThan(0);
    const failed = await get<Api.TransactionDetail>(ix, `/api/v1/chains/main/transactions/${bad.hash}`);
    expect(failed.body.status).to.equal(0);
    expect(failed.body.revert!.decoded).to.equal(`ERC20InsufficientBalance(${chain.addresses[2]}, 10, 11)`);
    expect(failed.body.internalCalls === null || Array.isArray(failed.body.internalCalls)).to.equal(true);
  });

  it("reconciles the tokens of our node at the indexed block with 0 mismatches", async () => {
    const h = await head(chain);
    await indexedTo(ix, CHAIN_ID, h);
    const results = await ix.reconcile(CHAIN_ID);
    expect(results.length).to.be.greaterThan(0);
    for (const r of results) expect([r.token, r.status, r.mismatches]).to.deep.equal([r.token, "ok", []]);
  });
});
