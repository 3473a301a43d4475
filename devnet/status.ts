/**
 * The live status line: heights and finality of both chains (eth_blockNumber, luniverse_status), anvil's height,
 * the last block anchored by each phase (AnchorRegistry.nextStart − 1 and range counts), and the bridge queue
 * (deposits announced but not yet minted, redeems not yet released, and operations queued over a daily limit).
 */
import { Interface, type JsonRpcProvider } from "ethers";
import { typechain } from "../lib/typechain";

export interface StatusSources {
  main: JsonRpcProvider;
  product: JsonRpcProvider;
  ethereum: JsonRpcProvider;
  mainChainId: number;
  productChainId: number;
  phase1Registry: string;
  phase2Registry: string;
  mainBridge: string;
  productBridge: string;
}

export interface DevnetStatus {
  main: { height: number; finalized: number; peers: number } | null;
  product: { height: number; finalized: number; peers: number } | null;
  ethereum: { height: number } | null;
  phase1: { ranges: number; lastAnchored: number } | null;
  phase2: { ranges: number; lastAnchored: number } | null;
  bridge: { deposits: number; minted: number; redeems: number; released: number; queued: number };
}

const REGISTRY = new Interface(["function getChild(uint256) view returns (bool registered, uint64 startBlock, uint64 next, uint256 ranges, uint32 anchorers)"]);
const MAIN_BRIDGE = typechain().MainBridge__factory.createInterface();
const PRODUCT_BRIDGE = typechain().ProductBridge__factory.createInterface();
function topicOf(name: string): string {
  const e = (name === "Minted" || name === "Redeemed" ? PRODUCT_BRIDGE : MAIN_BRIDGE).getEvent(name as never) as unknown as { topicHash: string };
  return e.topicHash;
}

/** Follows both bridges' events incrementally (counts since genesis). */
export class StatusPoller {
  private mainFrom = 0;
  private productFrom = 0;
  private readonly counts = { deposits: 0, minted: 0, redeems: 0, released: 0, queued: 0 };

  constructor(private readonly s: StatusSources) {}

  private async count(p: JsonRpcProvider, address: string, from: number, to: number, events: string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    const topics = events.map(topicOf);
    for (let start = from; start <= to; start += 5000) {
      const logs = await p.getLogs({ address, fromBlock: start, toBlock: Math.min(to, start + 4999), topics: [topics] });
      for (const l of logs) {
        const name = events[topics.indexOf(l.topics[0]!)]!;
        out[name] = (out[name] ?? 0) + 1;
      }
    }
    return out;
  }

  private async anchored(p: JsonRpcProvider, registry: string, child: number): Promise<{ ranges: number; lastAnchored: number } | null> {
    if (!registry) return null;
    const data = await p.call({ to: registry, data: REGISTRY.encodeFunctionData("getChild", [child]) });
    const r = REGISTRY.decodeFunctionResult("getChild", data);
    return { ranges: Number(r.ranges), lastAnchored: Number(r.next) - 1 };
  }

  async poll(): Promise<DevnetStatus> {
    const s = this.s;
    const settle = async <T>(f: () => Promise<T>): Promise<T | null> => {
      try {
        return await f();
      } catch {
        return null;
      }
    };
    const nodeStatus = async (p: JsonRpcProvider) => {
      const st = (await p.send("luniverse_status", [])) as { height: string; finalizedHeight: string; peers: number };
      return { height: Number(st.height), finalized: Number(st.finalizedHeight), peers: st.peers };
    };
    const [main, product, ethereum, phase1, phase2] = await Promise.all([
      settle(() => nodeStatus(s.main)),
      settle(() => nodeStatus(s.product)),
      settle(async () => ({ height: await s.ethereum.getBlockNumber() })),
      settle(() => this.anchored(s.main, s.phase1Registry, s.productChainId)),
      settle(() => this.anchored(s.ethereum, s.phase2Registry, s.mainChainId)),
    ]);
    await settle(async () => {
      if (main && main.height >= this.mainFrom) {
        const c = await this.count(s.main, s.mainBridge, this.mainFrom, main.height, ["Deposited", "Released", "OperationQueued"]);
        this.counts.deposits += c.Deposited ?? 0;
        this.counts.released += c.Released ?? 0;
        this.counts.queued += c.OperationQueued ?? 0;
        this.mainFrom = main.height + 1;
      }
    });
    await settle(async () => {
      if (product && product.height >= this.productFrom) {
        const c = await this.count(s.product, s.productBridge, this.productFrom, product.height, ["Minted", "Redeemed", "OperationQueued"]);
        this.counts.minted += c.Minted ?? 0;
        this.counts.redeems += c.Redeemed ?? 0;
        this.counts.queued += c.OperationQueued ?? 0;
        this.productFrom = product.height + 1;
      }
    });
    return { main: main ? { ...main } : null, product: product ? { ...product } : null, ethereum, phase1, phase2, bridge: { ...this.counts } };
  }
}

/**
 * One line: `main #120 (final 120, 3 peers) | product #118 (final 118, 3 peers) | eth #14 | anchored p1 ≤110 (11) p2 ≤100 (5) | bridge …`;
 * the peers of a chain's first node when the chain has four.
 */
export function formatStatus(st: DevnetStatus, chains: { validators: number; productValidators: number }): string {
  const down = "DOWN";
  const peers = (n: number, count: number): string => (count > 1 ? `, ${n} peers` : "");
  const main = st.main ? `main #${st.main.height} (final ${st.main.finalized}${peers(st.main.peers, chains.validators)})` : `main ${down}`;
  const product = st.product ? `product #${st.product.height} (final ${st.product.finalized}${peers(st.product.peers, chains.productValidators)})` : `product ${down}`;
  const eth = st.ethereum ? `eth #${st.ethereum.height}` : `eth ${down}`;
  const a = (x: { ranges: number; lastAnchored: number } | null): string => (x ? (x.ranges === 0 ? "none yet" : `≤${x.lastAnchored} (${x.ranges})`) : "?");
  const b = st.bridge;
  const pendingDeposits = Math.max(0, b.deposits - b.minted);
  const pendingRedeems = Math.max(0, b.redeems - b.released);
  return `${main} | ${product} | ${eth} | anchored p1 ${a(st.phase1)} p2 ${a(st.phase2)} | bridge ${b.deposits} dep/${b.redeems} red, pending ${pendingDeposits}+${pendingRedeems}, queued ${b.queued}`;
}
