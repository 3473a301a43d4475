/**
 * Proposals by transaction hash (node/consensus/proposals.ts): the frame, assembling a block from the pool, fetching
 * what is missing from peers over real sockets (node/p2p PeerNetwork on 127.0.0.1), and what is refused.
 */
import { expect } from "chai";
import { Block, createBlock } from "@ethereumjs/block";
import { createTx, type TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes, type PrefixedHexString as Hex } from "@ethereumjs/util";
import { createLogger } from "../../lib/log";
import type { FinalitySignature } from "../../node/chain/chain";
import { compactProposalFromItems, compactProposalItems } from "../../node/consensus/messages";
import { ProposalCodec, type ProposalNetwork } from "../../node/consensus/proposals";
import { makeCommon } from "../../node/execution/common";
import { decodeTransaction } from "../../node/execution/txMemo";
import { PeerNetwork } from "../../node/p2p/network";

const CHAIN = 4343n;
const common = makeCommon(CHAIN);
const log = createLogger("test", { level: "error" });
const key = hexToBytes(`0x${"5a".repeat(32)}`);
const votes: FinalitySignature[] = [{ validator: `0x${"11".repeat(20)}`, signature: `0x${"22".repeat(65)}` }];

const txs: TypedTransaction[] = Array.from({ length: 40 }, (_, i) =>
  createTx(
    { type: i % 3 === 0 ? 0 : 2, chainId: CHAIN, nonce: BigInt(i), gasLimit: 21_000n, to: `0x${"ab".repeat(20)}`, value: BigInt(i), ...(i % 3 === 0 ? { gasPrice: 7n } : { maxFeePerGas: 7n, maxPriorityFeePerGas: 1n }) } as never,
    { common },
  ).sign(key) as TypedTransaction,
);
const block: Block = createBlock({ header: { number: 5n, gasLimit: 30_000_000n, timestamp: 99n, baseFeePerGas: 7n }, transactions: txs }, { common, skipConsensusFormatValidation: true });
// as a peer holds them: decoded from their bytes, not the proposer's objects
const fresh = (list: TypedTransaction[]) => list.map((tx) => decodeTransaction(tx.serialize(), common));

/** A pool over `list`, by hash. */
function poolOf(list: TypedTransaction[]): (h: Hex) => TypedTransaction | undefined {
  const m = new Map(list.map((tx) => [bytesToHex(tx.hash()) as Hex, tx]));
  return (h) => m.get(h);
}

/** A network whose peers are other codecs (answers as over the wire: JSON round-trip). */
function netOf(peers: Record<string, ProposalCodec | "silent" | "liar">): ProposalNetwork & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async request<T>(peer: string, type: string, payload: unknown): Promise<T> {
      asked.push(peer);
      expect(type).to.equal("proposal:txs");
      const p = peers[peer];
      if (p === undefined || p === "silent") throw new Error(`request "${type}" to peer ${peer} got no answer`);
      if (p === "liar") return (payload as { hashes: string[] }).hashes.map(() => bytesToHex(txs[0]!.serialize())) as T; // right shape, wrong transactions
      return JSON.parse(JSON.stringify(await p.serve(JSON.parse(JSON.stringify(payload))))) as T;
    },
  };
}

describe("node consensus: proposals by transaction hash", function () {
  this.timeout(30_000);

  it("round-trips the frame [header RLP, 32-byte hashes, votes] (bytes and the hex list a JSON-only peer gets)", () => {
    const items = compactProposalItems(block, votes);
    expect(items).to.have.length(3);
    expect(items[1]!.length).to.equal(32 * txs.length);
    for (const form of [items, items.map((i) => bytesToHex(i))]) {
      const c = compactProposalFromItems(form)!;
      expect(c.hashes).to.deep.equal(txs.map((tx) => bytesToHex(tx.hash())));
      expect(c.votes).to.deep.equal(votes);
      expect(c.header.map((f) => bytesToHex(f))).to.deep.equal(block.header.raw().map((f) => bytesToHex(f)));
    }
    // a proposal of an empty block
    const empty = createBlock({ header: { number: 6n, gasLimit: 30_000_000n, timestamp: 100n, baseFeePerGas: 7n } }, { common, skipConsensusFormatValidation: true });
    expect(compactProposalFromItems(compactProposalItems(empty, []))!.hashes).to.deep.equal([]);
  });

  it("refuses frames that are not a compact proposal: count, hash bytes not a multiple of 32, header not a list, votes", () => {
    const [h, hs, v] = compactProposalItems(block, votes) as [Uint8Array, Uint8Array, Uint8Array];
    expect(compactProposalFromItems([h, hs])).to.equal(null);
    expect(compactProposalFromItems([h, hs.subarray(1), v])).to.equal(null);
    expect(compactProposalFromItems([Uint8Array.of(0x85, 1, 2, 3, 4, 5), hs, v])).to.equal(null); // a string, not a list
    expect(compactProposalFromItems([Uint8Array.of(0xf9, 0xff), hs, v])).to.equal(null); // truncated RLP
    expect(compactProposalFromItems([h, hs, new TextEncoder().encode('{"a":1}')])).to.equal(null);
    expect(compactProposalFromItems([h, "0xzz", v])).to.equal(null);
  });

  it("assembles the proposer's block from the pool alone: same hash, the pool's objects, nothing fetched", async () => {
    const held = fresh(txs);
    const net = netOf({});
    const codec = new ProposalCodec(common, net, poolOf(held), () => [], log);
    const got = (await codec.assemble(compactProposalFromItems(compactProposalItems(block, votes))!, "proposer"))!;
    expect(bytesToHex(got.hash())).to.equal(bytesToHex(block.hash()));
    expect(bytesToHex(got.serialize())).to.equal(bytesToHex(block.serialize()));
    got.transactions.forEach((tx, i) => expect(tx, `tx ${i}`).to.equal(held[i]));
    expect(net.asked).to.deep.equal([]);
    expect(codec.stats).to.include({ assembled: 1, fetched: 0, dropped: 0 });
  });

  it("fetches what its pool lacks from the proposer (which serves the block it proposed)", async () => {
    const proposer = new ProposalCodec(common, netOf({}), () => undefined, () => [], log);
    const items = proposer.items(block, votes); // remembered: served although its pool no longer has them
    const net = netOf({ proposer });
    const codec = new ProposalCodec(common, net, poolOf(fresh(txs.filter((_, i) => i % 4 !== 0))), () => ["other"], log);
    const got = (await codec.assemble(compactProposalFromItems(items)!, "proposer"))!;
    expect(bytesToHex(got.hash())).to.equal(bytesToHex(block.hash()));
    expect(got.transactions.map((tx) => bytesToHex(tx.hash()))).to.deep.equal(txs.map((tx) => bytesToHex(tx.hash())));
    expect(net.asked).to.deep.equal(["proposer"]);
    expect(codec.stats.fetched).to.equal(10);
    expect(proposer.stats.served).to.equal(10);
  });

  it("asks the other peers when the sender cannot answer, and ignores answers that do not hash to what was asked", async () => {
    const holder = new ProposalCodec(common, netOf({}), poolOf(txs), () => [], log);
    const net = netOf({ relay: "silent", liar: "liar", holder });
    const codec = new ProposalCodec(common, net, poolOf(fresh(txs.slice(0, 30))), () => ["liar", "relay", "holder"], log);
    const got = (await codec.assemble(compactProposalFromItems(compactProposalItems(block, votes))!, "relay"))!;
    expect(bytesToHex(got.hash())).to.equal(bytesToHex(block.hash()));
    expect(net.asked).to.deep.equal(["relay", "liar", "holder"]);
    expect(codec.stats.fetched).to.equal(10);
  });

  it("drops a proposal whose transactions no peer has (the round then times out as for a lost proposal)", async () => {
    const net = netOf({ a: new ProposalCodec(common, netOf({}), () => undefined, () => [], log), b: "silent" });
    const codec = new ProposalCodec(common, net, poolOf(fresh(txs.slice(1))), () => ["a", "b"], log);
    expect(await codec.assemble(compactProposalFromItems(compactProposalItems(block, votes))!, "a")).to.equal(null);
    expect(codec.stats).to.include({ assembled: 0, dropped: 1 });
  });

  it("serves raw transactions or null, and refuses a request that is not {hashes: [32-byte hex]}", async () => {
    const codec = new ProposalCodec(common, netOf({}), poolOf(txs.slice(0, 2)), () => [], log);
    const unknown = `0x${"00".repeat(32)}`;
    expect(await codec.serve({ hashes: [bytesToHex(txs[1]!.hash()).toUpperCase().replace("0X", "0x"), unknown] })).to.deep.equal([bytesToHex(txs[1]!.serialize()), null]);
    for (const bad of [null, {}, { hashes: "0x12" }, { hashes: ["0x12"] }, { hashes: Array(20_001).fill(unknown) }]) {
      let message = "";
      await codec.serve(bad).catch((e: Error) => (message = e.message));
      expect(message, JSON.stringify(bad)?.slice(0, 40)).to.match(/proposal:txs needs \{hashes/);
    }
  });

  it("fetches over real sockets between two peer networks", async () => {
    const a = new PeerNetwork({ listen: { host: "127.0.0.1", port: 0 }, peers: [], chainId: CHAIN, genesisHash: `0x${"33".repeat(32)}`, nodeId: "node-a", log: () => undefined });
    await a.start();
    const b = new PeerNetwork({ listen: null, peers: [a.url!], chainId: CHAIN, genesisHash: `0x${"33".repeat(32)}`, nodeId: "node-b", log: () => undefined });
    try {
      const proposer = new ProposalCodec(common, a, () => undefined, () => [], log);
      a.onRequest("proposal:txs", async (_peer, payload) => proposer.serve(payload));
      await b.start();
      for (let i = 0; i < 100 && b.peers().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      const items = proposer.items(block, votes);
      const codec = new ProposalCodec(common, b, poolOf(fresh(txs.slice(20))), () => [], log);
      const got = (await codec.assemble(compactProposalFromItems(items.map((x) => bytesToHex(x)))!, "node-a"))!;
      expect(bytesToHex(got.hash())).to.equal(bytesToHex(block.hash()));
      expect(codec.stats.fetched).to.equal(20);
    } finally {
      await b.stop();
      await a.stop();
    }
  });
});
