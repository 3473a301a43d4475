/**
 * Otterscan's JSON-RPC (ots_* at API level 8, erigon_getHeaderByNumber), txpool_* and the console's luniverse_
 * methods on a real node, compared with anvil's answers to the same transactions where anvil implements the method.
 */
import { expect } from "chai";
import { ClassicLevel } from "classic-level";
import { devKey } from "../helpers/nodes";
import { BENEFICIARY, CHAIN_ID, ANVIL_CHAIN_ID, SENDER, call, rpcFailure, send, startChains, stopChains, type Chains } from "./explorerFixture";

type Entry = { type: string; depth: number; from: string; to: string; value: string | null; input: string; output: string };
type Receipt = Record<string, unknown> & { status: string; from: string; to: string | null; timestamp: string; logs: unknown; logsBloom: unknown };
type Tx = Record<string, unknown> & { hash: string; nonce: string; from: string; to: string | null; input: string; value: string; blockNumber: string };
type Search = { txs: Tx[]; receipts: Receipt[]; firstPage: boolean; lastPage: boolean };

describe("node/rpc: Otterscan's ots_* and erigon_ methods, txpool_*, luniverse_nodeInfo (real node, compared with anvil)", function () {
  this.timeout(300_000);
  let c: Chains;

  before(async function () {
    c = await startChains("otterscan");
  });
  after(async function () {
    await stopChains(c);
  });

  it("ots_getApiLevel answers 8, as anvil does", async function () {
    expect(await call(c.node.rpc, "ots_getApiLevel")).to.equal(8);
    expect(await call(c.anvilUrl, "ots_getApiLevel")).to.equal(8);
  });

  it("ots_traceTransaction: the same call entries as anvil, plus the CREATE, CREATE2 and SELFDESTRUCT entries Erigon reports", async function () {
    const ours = await call<Entry[]>(c.node.rpc, "ots_traceTransaction", [c.ours.run]);
    const theirs = await call<Entry[]>(c.anvilUrl, "ots_traceTransaction", [c.theirs.run]);
    const calls = ours.filter((e) => !["CREATE", "CREATE2", "SELFDESTRUCT"].includes(e.type));
    expect(calls).to.deep.equal(theirs);
    const others = ours.filter((e) => ["CREATE", "CREATE2", "SELFDESTRUCT"].includes(e.type)).map((e) => [e.type, e.depth, e.from, e.to, e.value]);
    expect(others).to.deep.equal([
      ["CREATE", 1, c.ours.probe, c.ours.created, "0x2"],
      ["CREATE2", 1, c.ours.probe, c.ours.created2, "0x0"],
      ["SELFDESTRUCT", 2, c.ours.created, BENEFICIARY, "0x5"],
    ]);
  });

  it("ots_traceTransaction of a transaction whose child reverted: the same entries as anvil", async function () {
    const ours = await call<Entry[]>(c.node.rpc, "ots_traceTransaction", [c.ours.failDeep]);
    const theirs = await call<Entry[]>(c.anvilUrl, "ots_traceTransaction", [c.theirs.failDeep]);
    expect(ours.filter((e) => e.type !== "CREATE")).to.deep.equal(theirs);
    expect(ours.map((e) => e.type)).to.deep.equal(["CALL", "CREATE", "STATICCALL"]);
  });

  it("ots_getInternalOperations: the same transfers, creations and self-destruct as anvil (below the top call, as Erigon)", async function () {
    const ours = await call<unknown[]>(c.node.rpc, "ots_getInternalOperations", [c.ours.run]);
    const theirs = await call<{ from: string }[]>(c.anvilUrl, "ots_getInternalOperations", [c.theirs.run]);
    // anvil also lists the top call's own value transfer (sender → probe); Erigon, whose API Otterscan follows, does not
    expect(theirs[0]).to.deep.equal({ type: 0, from: SENDER.address.toLowerCase(), to: c.theirs.probe, value: "0xa" });
    expect(ours).to.deep.equal(theirs.slice(1));
    expect(ours).to.have.length(5);
  });

  it("ots_getTransactionError: the revert data of a custom error, a reason string and a bubbled child error, as anvil; 0x on success", async function () {
    for (const k of ["failCustom", "failWithReason", "failDeep", "run"] as const) {
      const ours = await call<string>(c.node.rpc, "ots_getTransactionError", [c.ours[k]]);
      const theirs = await call<string>(c.anvilUrl, "ots_getTransactionError", [c.theirs[k]]);
      expect(ours, k).to.equal(theirs);
    }
    expect(await call(c.node.rpc, "ots_getTransactionError", [c.ours.run])).to.equal("0x");
    expect(await call<string>(c.node.rpc, "ots_getTransactionError", [c.ours.failWithReason])).to.match(/^0x08c379a0/);
  });

  it("ots_hasCode: true for a contract, false for an account and for the contract before its deployment", async function () {
    expect(await call(c.node.rpc, "ots_hasCode", [c.ours.probe, "latest"])).to.equal(true);
    expect(await call(c.node.rpc, "ots_hasCode", [SENDER.address, "latest"])).to.equal(false);
    expect(await call(c.node.rpc, "ots_hasCode", [c.ours.probe, "0x0"])).to.equal(false);
    expect(await call(c.anvilUrl, "ots_hasCode", [c.theirs.probe, "latest"])).to.equal(true);
  });

  it("ots_getBlockDetails and ots_getBlockDetailsByHash: the block without transactions, its count, no bloom, zero issuance, the fees paid", async function () {
    const r = await call<{ blockNumber: string; blockHash: string; gasUsed: string; effectiveGasPrice: string }>(c.node.rpc, "eth_getTransactionReceipt", [c.ours.run]);
    const block = await call<Record<string, unknown> & { transactions: string[] }>(c.node.rpc, "eth_getBlockByNumber", [r.blockNumber, false]);
    const details = await call<{ block: Record<string, unknown>; issuance: unknown; totalFees: string }>(c.node.rpc, "ots_getBlockDetails", [Number(r.blockNumber)]);
    const { transactions, logsBloom: _bloom, ...rest } = block;
    expect(details.block).to.deep.equal({ ...rest, logsBloom: null, transactionCount: transactions.length });
    expect(details.issuance).to.deep.equal({ blockReward: "0x0", uncleReward: "0x0", issuance: "0x0" });
    let fees = 0n;
    for (const h of transactions) {
      const x = await call<{ gasUsed: string; effectiveGasPrice: string }>(c.node.rpc, "eth_getTransactionReceipt", [h]);
      fees += BigInt(x.gasUsed) * BigInt(x.effectiveGasPrice);
    }
    expect(BigInt(details.totalFees)).to.equal(fees);
    expect(await call(c.node.rpc, "ots_getBlockDetailsByHash", [r.blockHash])).to.deep.equal(details);
    // anvil answers in the same shape (it keeps the bloom)
    const ra = await call<{ blockNumber: string }>(c.anvilUrl, "eth_getTransactionReceipt", [c.theirs.run]);
    const theirs = await call<{ block: Record<string, unknown> }>(c.anvilUrl, "ots_getBlockDetails", [Number(ra.blockNumber)]);
    expect(Object.keys(details)).to.have.members(Object.keys(theirs));
    expect(details.block.transactionCount).to.equal(theirs.block.transactionCount);
  });

  it("ots_getBlockTransactions: the page's transactions with the input cut to the selector, receipts without logs, as anvil's", async function () {
    const r = await call<{ blockNumber: string }>(c.node.rpc, "eth_getTransactionReceipt", [c.ours.run]);
    const ra = await call<{ blockNumber: string }>(c.anvilUrl, "eth_getTransactionReceipt", [c.theirs.run]);
    const ours = await call<{ fullblock: { transactions: Tx[]; transactionCount: number }; receipts: Receipt[] }>(c.node.rpc, "ots_getBlockTransactions", [Number(r.blockNumber), 0, 25]);
    const theirs = await call<{ fullblock: { transactions: Tx[]; transactionCount: number }; receipts: Receipt[] }>(c.anvilUrl, "ots_getBlockTransactions", [Number(ra.blockNumber), 0, 25]);
    const pick = (t: Tx) => [t.from, t.to, t.input, t.nonce, t.value];
    const ourRun = ours.fullblock.transactions.findIndex((t) => t.hash === c.ours.run);
    expect(pick(ours.fullblock.transactions[ourRun]!)).to.deep.equal(pick(theirs.fullblock.transactions[0]!));
    expect(ours.fullblock.transactions[ourRun]!.input).to.equal("0x6f01fb1f");
    const rp = (x: Receipt) => [x.status, x.from, x.to, x.contractAddress];
    expect(rp(ours.receipts[ourRun]!)).to.deep.equal(rp(theirs.receipts[0]!));
    expect(ours.receipts[ourRun]!.logs).to.equal(null);
    expect(ours.receipts[ourRun]!.logsBloom).to.equal(null);
    expect(ours.fullblock.transactionCount).to.equal(ours.fullblock.transactions.length);
  });

  it("eth_getBlockReceipts: every receipt of the block by number, hash or tag, each as eth_getTransactionReceipt answers it (block-wide log indexes), as anvil's; null for a block beyond the head", async function () {
    type R = { transactionHash: string; blockHash: string; logs: { logIndex: string; transactionHash: string }[] };
    for (const [url, hash] of [
      [c.node.rpc, c.ours.run],
      [c.anvilUrl, c.theirs.run],
    ] as const) {
      const one = await call<R & { blockNumber: string }>(url, "eth_getTransactionReceipt", [hash]);
      const byNumber = await call<R[]>(url, "eth_getBlockReceipts", [one.blockNumber]);
      const byHash = await call<R[]>(url, "eth_getBlockReceipts", [one.blockHash]);
      expect(byHash).to.deep.equal(byNumber);
      const each = await Promise.all(byNumber.map((r) => call<R>(url, "eth_getTransactionReceipt", [r.transactionHash])));
      expect(byNumber, url).to.deep.equal(each);
      expect(byNumber.find((r) => r.transactionHash === hash)).to.deep.equal(one);
      const indexes = byNumber.flatMap((r) => r.logs.map((l) => Number(l.logIndex)));
      expect(indexes).to.deep.equal(indexes.map((_, i) => i));
      expect(await call<R[]>(url, "eth_getBlockReceipts", ["latest"])).to.be.an("array");
      expect(await call(url, "eth_getBlockReceipts", ["0xffffff"])).to.equal(null);
    }
    const bad = await rpcFailure(c.node.rpc, "eth_getBlockReceipts", ["soon"]);
    expect(bad.code).to.equal(-32602);
    expect(bad.message).to.match(/block/i);
  });

  it("ots_searchTransactionsBefore / After: the sender's transactions newest first, paged by whole blocks, with first/last page flags as anvil's", async function () {
    const nonces = (s: Search) => s.txs.map((t) => Number(t.nonce));
    const first = await call<Search>(c.node.rpc, "ots_searchTransactionsBefore", [SENDER.address, 0, 2]);
    const theirs = await call<Search>(c.anvilUrl, "ots_searchTransactionsBefore", [SENDER.address, 0, 2]);
    expect(nonces(first)).to.deep.equal(nonces(theirs));
    expect([first.firstPage, first.lastPage]).to.deep.equal([theirs.firstPage, theirs.lastPage]);
    expect(first.receipts.map((r) => r.transactionHash)).to.deep.equal(first.txs.map((t) => t.hash));
    expect(first.receipts[0]!.timestamp).to.match(/^0x[0-9a-f]+$/);
    // the next page: before the oldest block of this one
    const oldest = first.txs[first.txs.length - 1]!.blockNumber;
    const rest = await call<Search>(c.node.rpc, "ots_searchTransactionsBefore", [SENDER.address, Number(oldest), 25]);
    expect([...nonces(first), ...nonces(rest)]).to.deep.equal([4, 3, 2, 1, 0]);
    expect(rest.lastPage).to.equal(true);
    expect(rest.firstPage).to.equal(false);
    const after = await call<Search>(c.node.rpc, "ots_searchTransactionsAfter", [SENDER.address, 0, 25]);
    const afterTheirs = await call<Search>(c.anvilUrl, "ots_searchTransactionsAfter", [SENDER.address, 0, 25]);
    expect(nonces(after)).to.deep.equal(nonces(afterTheirs));
    expect([after.firstPage, after.lastPage]).to.deep.equal([afterTheirs.firstPage, afterTheirs.lastPage]);
    // the contract's own history: its creation and every call to it
    const probe = await call<Search>(c.node.rpc, "ots_searchTransactionsBefore", [c.ours.probe, 0, 25]);
    expect(probe.txs.map((t) => t.hash)).to.deep.equal([c.ours.failDeep, c.ours.failWithReason, c.ours.failCustom, c.ours.run, c.ours.deploy]);
  });

  it("ots_getTransactionBySenderAndNonce: the hash of each nonce, null beyond, as anvil", async function () {
    for (let n = 0; n < 5; n++) {
      const ours = await call<string>(c.node.rpc, "ots_getTransactionBySenderAndNonce", [SENDER.address, n]);
      const expected = [c.ours.deploy, c.ours.run, c.ours.failCustom, c.ours.failWithReason, c.ours.failDeep][n];
      expect(ours, `nonce ${n}`).to.equal(expected);
    }
    expect(await call(c.node.rpc, "ots_getTransactionBySenderAndNonce", [SENDER.address, 5])).to.equal(null);
    expect(await call(c.anvilUrl, "ots_getTransactionBySenderAndNonce", [SENDER.address, 1])).to.equal(c.theirs.run);
  });

  it("ots_getContractCreator: the deploying transaction, the factory of an internal CREATE2, null for genesis contracts and accounts", async function () {
    expect(await call(c.node.rpc, "ots_getContractCreator", [c.ours.probe])).to.deep.equal({ hash: c.ours.deploy, creator: SENDER.address.toLowerCase() });
    expect(await call(c.anvilUrl, "ots_getContractCreator", [c.theirs.probe])).to.deep.equal({ hash: c.theirs.deploy, creator: SENDER.address.toLowerCase() });
    const ours = await call(c.node.rpc, "ots_getContractCreator", [c.ours.created2]);
    const theirs = await call(c.anvilUrl, "ots_getContractCreator", [c.theirs.created2]);
    expect(ours).to.deep.equal({ hash: c.ours.run, creator: c.ours.probe });
    expect(theirs).to.deep.equal({ hash: c.theirs.run, creator: c.theirs.probe });
    const validators = await call<string[]>(c.node.rpc, "luniverse_validators", []);
    expect(await call(c.node.rpc, "ots_getContractCreator", ["0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9"])).to.equal(null); // ValidatorSet, in genesis
    expect(await call(c.node.rpc, "ots_getContractCreator", [validators[0]])).to.equal(null);
  });

  it("erigon_getHeaderByNumber: the block's header fields, as eth_getBlockByNumber; null above the head", async function () {
    const r = await call<{ blockNumber: string }>(c.node.rpc, "eth_getTransactionReceipt", [c.ours.run]);
    const header = await call<Record<string, unknown>>(c.node.rpc, "erigon_getHeaderByNumber", [Number(r.blockNumber)]);
    const block = await call<Record<string, unknown>>(c.node.rpc, "eth_getBlockByNumber", [r.blockNumber, false]);
    expect(header).to.deep.equal(block);
    expect(await call(c.node.rpc, "erigon_getHeaderByNumber", [1_000_000_000])).to.equal(null);
  });

  it("txpool_status and txpool_content: a transaction behind a nonce gap is queued, in geth's shape as anvil's", async function () {
    const key = devKey(8);
    const ours = await send(c.node.rpc, CHAIN_ID, key.privateKey, { nonce: 3, to: BENEFICIARY, value: 1n, gasLimit: 21_000n });
    const theirs = await send(c.anvilUrl, ANVIL_CHAIN_ID, key.privateKey, { nonce: 3, to: BENEFICIARY, value: 1n, gasLimit: 21_000n });
    const status = await call<{ pending: string; queued: string }>(c.node.rpc, "txpool_status");
    expect(status).to.deep.equal(await call(c.anvilUrl, "txpool_status"));
    expect(status.queued).to.equal("0x1");
    const content = await call<{ pending: object; queued: Record<string, Record<string, Tx>> }>(c.node.rpc, "txpool_content");
    const theirContent = await call<{ pending: object; queued: Record<string, Record<string, Tx>> }>(c.anvilUrl, "txpool_content");
    // geth keys senders by their checksummed address (anvil lowercases them)
    expect(Object.keys(content.queued)).to.deep.equal([key.address]);
    expect(Object.keys(theirContent.queued)).to.deep.equal([key.address.toLowerCase()]);
    const mine = content.queued[key.address]!;
    const other = theirContent.queued[key.address.toLowerCase()]!;
    expect(Object.keys(mine)).to.deep.equal(Object.keys(other));
    expect(Object.keys(mine)).to.deep.equal(["3"]);
    expect(mine["3"]!.hash).to.equal(ours);
    expect(other["3"]!.hash).to.equal(theirs);
    const pick = (t: Tx) => [t.from.toLowerCase(), t.to, t.value, t.nonce, t.blockNumber, t.input, t.gas];
    expect(pick(mine["3"]!)).to.deep.equal(pick(other["3"]!));
    expect(content.pending).to.deep.equal({});
  });

  it("luniverse_nodeInfo: version, chain, validator address, head, peers, validators", async function () {
    const info = await call<Record<string, unknown> & { head: { number: string; hash: string } }>(c.node.rpc, "luniverse_nodeInfo");
    const pkg = (await import("../../../package.json")).version;
    expect(info.version).to.equal(pkg);
    expect(info.chainId).to.equal(`0x${CHAIN_ID.toString(16)}`);
    expect(String(info.address).toLowerCase()).to.equal(devKey(1).address.toLowerCase());
    expect(info.validators).to.deep.equal(await call(c.node.rpc, "luniverse_validators", []));
    expect(info.peers).to.deep.equal([]);
    expect(info.syncing).to.equal(false);
    const block = await call<{ hash: string } | null>(c.node.rpc, "eth_getBlockByNumber", [info.head.number, false]);
    expect(block!.hash).to.equal(info.head.hash);
  });

  it("luniverse_getFinality: the round, the proposer and the signers of a block", async function () {
    const f = await call<{ number: string; hash: string; round: number; proposer: string; signers: string[] }>(c.node.rpc, "luniverse_getFinality", ["0x1"]);
    expect(f.number).to.equal("0x1");
    expect(f.round).to.equal(0);
    expect(f.proposer.toLowerCase()).to.equal(devKey(1).address.toLowerCase());
    expect(f.signers.map((s) => s.toLowerCase())).to.deep.equal([devKey(1).address.toLowerCase()]);
  });

  it("bad input: an unknown hash, a malformed address, a bad page size, a bad block number — each named in the error", async function () {
    const unknown = "0x" + "ab".repeat(32);
    for (const m of ["ots_traceTransaction", "ots_getInternalOperations", "ots_getTransactionError"]) {
      const e = await rpcFailure(c.node.rpc, m, [unknown]);
      expect(e.code, m).to.equal(-32000);
      expect(e.message, m).to.contain(`transaction ${unknown} not found`);
    }
    let e = await rpcFailure(c.node.rpc, "ots_searchTransactionsBefore", ["0x1234", 0, 25]);
    expect(e.code).to.equal(-32602);
    expect(e.message).to.contain("invalid argument 0");
    e = await rpcFailure(c.node.rpc, "ots_searchTransactionsBefore", [SENDER.address, 0, 0]);
    expect(e.code).to.equal(-32602);
    expect(e.message).to.contain("invalid argument 2: page size must be between 1 and 1000, got 0");
    e = await rpcFailure(c.node.rpc, "ots_getBlockTransactions", [1, 0, 5000]);
    expect(e.code).to.equal(-32602);
    expect(e.message).to.contain("page size must be between 1 and 1000, got 5000");
    e = await rpcFailure(c.node.rpc, "ots_getBlockDetails", [-1]);
    expect(e.code).to.equal(-32602);
    expect(e.message).to.contain("invalid argument 0: block number must be a non-negative integer");
    e = await rpcFailure(c.node.rpc, "ots_getContractCreator", ["not an address"]);
    expect(e.code).to.equal(-32602);
    e = await rpcFailure(c.node.rpc, "ots_getTransactionBySenderAndNonce", [SENDER.address]);
    expect(e.code).to.equal(-32602);
    expect(e.message).to.contain("missing value for required argument 1");
    expect(await call(c.node.rpc, "ots_getBlockDetails", [1_000_000_000])).to.equal(null);
  });

  it("the address index survives a restart: the same search answers from the same data dir", async function () {
    const before = await call<Search>(c.node.rpc, "ots_searchTransactionsBefore", [c.ours.probe, 0, 25]);
    await c.node.stop();
    await c.node.start();
    const again = await call<Search>(c.node.rpc, "ots_searchTransactionsBefore", [c.ours.probe, 0, 25]);
    expect(again.txs.map((t) => t.hash)).to.deep.equal(before.txs.map((t) => t.hash));
    expect(again.txs).to.have.length(5);
  });

  it("a data dir without the address index (written before it existed) is indexed on start", async function () {
    const before = await call<Search>(c.node.rpc, "ots_searchTransactionsBefore", [SENDER.address, 0, 25]);
    await c.node.stop();
    const db = new ClassicLevel<string, Uint8Array>(c.node.spec.dataDir, { keyEncoding: "utf8", valueEncoding: "view" });
    await db.open();
    const keys: string[] = [];
    for await (const k of db.keys({ gte: "a:", lt: "a;" })) keys.push(k);
    expect(keys.length).to.be.greaterThan(5);
    await db.batch([...keys, "meta:addressIndex"].map((key) => ({ type: "del" as const, key })));
    await db.close();
    await c.node.start();
    const again = await call<Search>(c.node.rpc, "ots_searchTransactionsBefore", [SENDER.address, 0, 25]);
    expect(again.txs.map((t) => t.hash)).to.deep.equal(before.txs.map((t) => t.hash));
    expect(again.txs.map((t) => Number(t.nonce))).to.deep.equal([4, 3, 2, 1, 0]);
  });
});
