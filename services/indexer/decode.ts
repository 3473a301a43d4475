/**
 * What the indexer knows about our contracts, from the compiled bindings (lib/typechain): every contract's ABI, its
 * functions by selector, its events by topic, and the CBOR metadata tail of its bytecode — so that a contract made by
 * a factory (no manifest entry) is still recognised by its runtime code. Also the pure decoders the follower uses on
 * raw logs: ERC-20/721 `Transfer`, and the bridge, governance and anchoring events.
 */
import { AbiCoder, Interface, getAddress, id, type EventFragment, type ParamType, type Result } from "ethers";
import { typechain } from "../../lib/typechain";
import type { DecodedArg, DecodedCall, DecodedEvent } from "../../lib/indexerApi";

export const TRANSFER_TOPIC = id("Transfer(address,address,uint256)");

interface KnownContract {
  name: string;
  abi: unknown[];
  iface: Interface;
}

/** The metadata tail of a bytecode (the CBOR block solc appends, whose length is in the last 2 bytes); null when absent. */
export function metadataTail(code: string): string | null {
  const hex = code.startsWith("0x") ? code.slice(2) : code;
  if (hex.length < 8) return null;
  const len = parseInt(hex.slice(-4), 16);
  if (!Number.isFinite(len) || len < 8 || len > 200 || (len + 2) * 2 > hex.length) return null;
  const tail = hex.slice(-(len + 2) * 2).toLowerCase();
  // CBOR map starting with "ipfs" or "bzzr" key
  if (!tail.startsWith("a2") && !tail.startsWith("a1") && !tail.startsWith("a3")) return null;
  return tail;
}

/** Values of a decoded Result as JSON: integers as decimal strings, addresses checksummed, nested arrays. */
function plain(value: unknown, type?: ParamType): unknown {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string" && type?.baseType === "address") return getAddress(value);
  if (Array.isArray(value)) {
    const arr = value as unknown[];
    const child = type?.arrayChildren ?? null;
    return arr.map((v, i) => plain(v, child ?? type?.components?.[i] ?? undefined));
  }
  return value;
}

function args(inputs: readonly ParamType[], result: Result): DecodedArg[] {
  return inputs.map((p, i) => ({ name: p.name, type: p.format("sighash"), value: plain(result[i], p) }));
}

/** The ABIs of every compiled contract of the repository. */
export class ContractCatalog {
  private readonly byName = new Map<string, KnownContract>();
  private readonly byTail = new Map<string, string>();
  private readonly events = new Map<string, { contract: string; iface: Interface; fragment: EventFragment }[]>();

  /** Loads from the generated bindings (typechain-types); empty when they are missing (a clean checkout). */
  static load(): ContractCatalog {
    const cat = new ContractCatalog();
    let tc: Record<string, unknown>;
    try {
      tc = typechain() as unknown as Record<string, unknown>;
    } catch {
      return cat;
    }
    for (const [key, value] of Object.entries(tc)) {
      if (!key.endsWith("__factory")) continue;
      const f = value as { abi?: unknown[]; bytecode?: string };
      if (!Array.isArray(f.abi)) continue;
      cat.add(key.slice(0, -"__factory".length), f.abi, f.bytecode ?? null);
    }
    return cat;
  }

  add(name: string, abi: unknown[], bytecode: string | null): void {
    if (this.byName.has(name)) return;
    let iface: Interface;
    try {
      iface = new Interface(abi as never);
    } catch {
      return;
    }
    this.byName.set(name, { name, abi, iface });
    if (bytecode && bytecode.length > 4) {
      const tail = metadataTail(bytecode);
      if (tail && !this.byTail.has(tail)) this.byTail.set(tail, name);
    }
    // events of concrete contracts first (interfaces have no bytecode): their names are the better label
    iface.forEachEvent((fragment) => {
      const list = this.events.get(fragment.topicHash) ?? [];
      const entry = { contract: name, iface, fragment };
      if (bytecode && bytecode.length > 4) list.unshift(entry);
      else list.push(entry);
      this.events.set(fragment.topicHash, list);
    });
  }

  get size(): number {
    return this.byName.size;
  }

  contract(name: string): KnownContract | undefined {
    return this.byName.get(name);
  }

  /** The contract whose compiled bytecode ends with the same metadata as `runtimeCode`. */
  nameByCode(runtimeCode: string): string | null {
    const tail = metadataTail(runtimeCode);
    return tail === null ? null : (this.byTail.get(tail) ?? null);
  }

  /** A call's input decoded with a contract's ABI; null when the selector is not one of its functions. */
  decodeInput(contract: string, input: string): DecodedCall | null {
    const c = this.byName.get(contract);
    if (!c || input.length < 10) return null;
    try {
      const tx = c.iface.parseTransaction({ data: input });
      if (!tx) return null;
      return { contract, function: tx.name, signature: tx.signature, args: args(tx.fragment.inputs, tx.args) };
    } catch {
      return null;
    }
  }

  /** The function name of a selector on a contract (for lists), null when unknown. */
  methodName(contract: string, selector: string): string | null {
    const c = this.byName.get(contract);
    if (!c) return null;
    try {
      return c.iface.getFunction(selector)?.name ?? null;
    } catch {
      return null;
    }
  }

  /** A log decoded with the emitter's ABI when known, else with any of our contracts' events of that topic. */
  decodeLog(topics: string[], data: string, emitter: string | null): DecodedEvent | null {
    const candidates = this.events.get(topics[0] ?? "") ?? [];
    const ordered = emitter ? [...candidates.filter((c) => c.contract === emitter), ...candidates.filter((c) => c.contract !== emitter)] : candidates;
    for (const c of ordered) {
      try {
        const parsed = c.iface.parseLog({ topics, data });
        if (!parsed) continue;
        return { contract: c.contract, event: parsed.name, signature: parsed.signature, args: args(parsed.fragment.inputs, parsed.args) };
      } catch {
        // another event with the same topic but other indexed parameters
      }
    }
    return null;
  }
}

// -------------------------------------------------------------------------------------------------------------------
// Raw-log decoders used while indexing (no catalog needed)

export interface RawLog {
  address: string;
  topics: string[];
  data: string;
}

export interface DecodedTransfer {
  kind: "erc20" | "erc721";
  from: string;
  to: string;
  value: bigint;
  tokenId: bigint | null;
}

const topicAddress = (t: string): string => getAddress(`0x${t.slice(26)}`);

/** ERC-20 (3 topics, amount in data) or ERC-721 (4 topics, id in topic 3) `Transfer`; null for anything else. */
export function decodeTransfer(log: RawLog): DecodedTransfer | null {
  if (log.topics[0] !== TRANSFER_TOPIC) return null;
  try {
    if (log.topics.length === 3 && log.data.length === 66) {
      return { kind: "erc20", from: topicAddress(log.topics[1]!), to: topicAddress(log.topics[2]!), value: BigInt(log.data), tokenId: null };
    }
    if (log.topics.length === 4 && (log.data === "0x" || log.data === "")) {
      return { kind: "erc721", from: topicAddress(log.topics[1]!), to: topicAddress(log.topics[2]!), value: 1n, tokenId: BigInt(log.topics[3]!) };
    }
  } catch {
    return null;
  }
  return null;
}

const DOMAIN_EVENTS = new Interface([
  "event Deposited(bytes32 indexed depositId, bytes32 indexed pairId, address indexed sender, address recipient, uint256 mainAmount, uint256 productAmount, uint256 productChainId, uint256 nonce)",
  "event Redeemed(bytes32 indexed redeemId, bytes32 indexed pairId, address indexed sender, address recipient, uint256 productAmount, uint256 mainAmount, uint256 mainChainId, uint256 nonce)",
  "event Minted(bytes32 indexed depositId, bytes32 indexed pairId, address indexed recipient, uint256 productAmount)",
  "event Released(bytes32 indexed redeemId, bytes32 indexed pairId, address indexed recipient, uint256 mainAmount)",
  "event OperationQueued(bytes32 indexed id, bytes32 indexed pairId, address indexed recipient, uint256 amount, uint256 day)",
  "event ProposalCreated(uint256 proposalId, address proposer, address[] targets, uint256[] values, string[] signatures, bytes[] calldatas, uint256 voteStart, uint256 voteEnd, string description)",
  "event ProposalQueued(uint256 proposalId, uint256 etaSeconds)",
  "event ProposalExecuted(uint256 proposalId)",
  "event ProposalCanceled(uint256 proposalId)",
  "event VoteCast(address indexed voter, uint256 proposalId, uint8 support, uint256 weight, string reason)",
  "event RangeAnchored(uint256 indexed chainId, uint256 indexed index, uint64 start, uint64 end, bytes32 root, address indexed anchorer)",
  "event MainTokenIssued(address indexed token, address indexed issuer, string name, string symbol, uint8 decimals, uint256 initialSupply, uint256 cap)",
  "event ProductTokenIssued(address indexed token, address indexed mainToken, address indexed productDeveloper, address consortiumPartner, uint256 ratio)",
]);
const DOMAIN_TOPICS = new Set<string>();
DOMAIN_EVENTS.forEachEvent((e) => DOMAIN_TOPICS.add(e.topicHash));

/** A bridge, governance or anchoring event the indexer keeps in its own table. */
export type DomainEvent =
  | { type: "bridgeOp"; id: string; kind: "deposit" | "redeem"; pairId: string; sender: string; recipient: string; mainAmount: bigint; productAmount: bigint }
  | { type: "bridgeSettled"; id: string; status: "queued" | "executed" }
  | { type: "proposal"; id: string; proposer: string; description: string }
  | { type: "proposalState"; id: string; state: "queued" | "executed" | "canceled" }
  | { type: "vote"; proposalId: string; voter: string; support: number; weight: bigint }
  | { type: "anchor"; childChainId: number; fromBlock: number; toBlock: number; root: string }
  /** A token made by one of our factories: indexed from its creation, before (or without) any Transfer. */
  | { type: "tokenIssued"; token: string };

/** The domain event of a log, or null. */
export function decodeDomainEvent(log: RawLog): DomainEvent | null {
  if (!DOMAIN_TOPICS.has(log.topics[0] ?? "")) return null;
  let p;
  try {
    p = DOMAIN_EVENTS.parseLog({ topics: log.topics, data: log.data });
  } catch {
    return null;
  }
  if (!p) return null;
  const a = p.args;
  switch (p.name) {
    case "Deposited":
      return { type: "bridgeOp", id: a[0] as string, kind: "deposit", pairId: a[1] as string, sender: getAddress(a[2] as string), recipient: getAddress(a[3] as string), mainAmount: a[4] as bigint, productAmount: a[5] as bigint };
    case "Redeemed":
      return { type: "bridgeOp", id: a[0] as string, kind: "redeem", pairId: a[1] as string, sender: getAddress(a[2] as string), recipient: getAddress(a[3] as string), mainAmount: a[5] as bigint, productAmount: a[4] as bigint };
    case "Minted":
    case "Released":
      return { type: "bridgeSettled", id: a[0] as string, status: "executed" };
    case "OperationQueued":
      return { type: "bridgeSettled", id: a[0] as string, status: "queued" };
    case "ProposalCreated":
      return { type: "proposal", id: (a[0] as bigint).toString(), proposer: getAddress(a[1] as string), description: a[8] as string };
    case "ProposalQueued":
      return { type: "proposalState", id: (a[0] as bigint).toString(), state: "queued" };
    case "ProposalExecuted":
      return { type: "proposalState", id: (a[0] as bigint).toString(), state: "executed" };
    case "ProposalCanceled":
      return { type: "proposalState", id: (a[0] as bigint).toString(), state: "canceled" };
    case "VoteCast":
      return { type: "vote", proposalId: (a[1] as bigint).toString(), voter: getAddress(a[0] as string), support: Number(a[2]), weight: a[3] as bigint };
    case "MainTokenIssued":
    case "ProductTokenIssued":
      return { type: "tokenIssued", token: getAddress(a[0] as string) };
    case "RangeAnchored":
      return { type: "anchor", childChainId: Number(a[0]), fromBlock: Number(a[2]), toBlock: Number(a[3]), root: a[4] as string };
    default:
      return null;
  }
}

/** The consensus round in a header's extraData (first 8 bytes, big-endian); null when shorter. */
export function roundOf(extraData: string): number | null {
  const hex = extraData.startsWith("0x") ? extraData.slice(2) : extraData;
  if (hex.length < 16) return null;
  const r = BigInt(`0x${hex.slice(0, 16)}`);
  return r > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(r);
}

export const abiCoder = AbiCoder.defaultAbiCoder();
