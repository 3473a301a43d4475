/**
 * The JSON-RPC wire types: what the RPC layer sends and what it asks of the node behind it ({@link RpcBackend}).
 *
 * Quantities are 0x-prefixed hex without leading zeros, data is 0x-prefixed even-length hex. The backend
 * (rpc/backend.ts) adapts the chain's domain objects to these types (rpc/format.ts), so the server only
 * dispatches, validates parameters and resolves block tags. The layers below have their own types.
 */
import type { EventEmitter } from "node:events";
import type { PrefixedHexString } from "@ethereumjs/util";
import type { FinalitySignature } from "../chain/chain";
import type { CallRequest } from "../execution/call";

export type { CallRequest } from "../execution/call";
export type { FinalitySignature } from "../chain/chain";

export type Hex = PrefixedHexString;

/** A block reference after tag resolution: a height, or the pool's view for `pending`. */
export type BlockRef = bigint | "pending";

export interface RpcTransaction {
  blockHash: Hex | null;
  blockNumber: Hex | null;
  transactionIndex: Hex | null;
  hash: Hex;
  from: Hex;
  to: Hex | null;
  nonce: Hex;
  value: Hex;
  gas: Hex;
  gasPrice: Hex;
  maxFeePerGas?: Hex;
  maxPriorityFeePerGas?: Hex;
  input: Hex;
  type: Hex;
  chainId?: Hex;
  accessList?: { address: Hex; storageKeys: Hex[] }[];
  v: Hex;
  r: Hex;
  s: Hex;
  yParity?: Hex;
}

export interface RpcLog {
  address: Hex;
  topics: Hex[];
  data: Hex;
  blockNumber: Hex;
  blockHash: Hex;
  transactionHash: Hex;
  transactionIndex: Hex;
  logIndex: Hex;
  removed: false;
}

export interface RpcReceipt {
  transactionHash: Hex;
  transactionIndex: Hex;
  blockHash: Hex;
  blockNumber: Hex;
  from: Hex;
  to: Hex | null;
  cumulativeGasUsed: Hex;
  gasUsed: Hex;
  effectiveGasPrice: Hex;
  contractAddress: Hex | null;
  logs: RpcLog[];
  logsBloom: Hex;
  type: Hex;
  status: Hex;
}

export interface RpcBlock {
  number: Hex;
  hash: Hex;
  parentHash: Hex;
  nonce: Hex;
  sha3Uncles: Hex;
  logsBloom: Hex;
  transactionsRoot: Hex;
  stateRoot: Hex;
  receiptsRoot: Hex;
  miner: Hex;
  difficulty: Hex;
  totalDifficulty: Hex;
  extraData: Hex;
  size: Hex;
  gasLimit: Hex;
  gasUsed: Hex;
  timestamp: Hex;
  mixHash: Hex;
  baseFeePerGas?: Hex;
  transactions: Hex[] | RpcTransaction[];
  uncles: Hex[];
}

export interface LogFilter {
  fromBlock: bigint;
  toBlock: bigint;
  /** Exactly one block, when the request named `blockHash` (then from/to are that block's number). */
  blockHash?: Hex;
  address?: Hex[];
  /** Per position: null = any, one topic, or any of several. */
  topics?: (Hex | Hex[] | null)[];
}

export interface FeeHistory {
  oldestBlock: Hex;
  baseFeePerGas: Hex[];
  gasUsedRatio: number[];
  reward?: Hex[][];
}

export interface BlockFinality {
  number: Hex;
  hash: Hex;
  final: boolean;
  /** Validators in force at this height (from ValidatorSet.validatorsAt). */
  validators: Hex[];
  /** How many signatures make the block final: floor(2n/3) + 1. */
  threshold: number;
  signatures: FinalitySignature[];
  /** The consensus round the block was proposed in (header extraData). */
  round?: number;
  /** The block's proposer (its coinbase). */
  proposer?: Hex;
  /** The validators whose commit signatures the node holds, in arrival order. */
  signers?: Hex[];
}

/** A connected peer as luniverse_peers reports it: the p2p layer's own description, already in wire form. */
import type { PeerInfo } from "../p2p/network";
export type { PeerInfo };

/** luniverse_status. */
export interface NodeStatus {
  chainId: Hex;
  genesisHash: Hex;
  height: Hex;
  finalizedHeight: Hex;
  validator: Hex | null;
  syncing: boolean;
  peers: number;
  txPool: { pending: number; queued: number };
  gasFree: boolean;
}

/**
 * What the JSON-RPC server needs from a node. Methods throw for answers that are errors: an RpcError, a pool
 * refusal (PoolError) or an execution error (a revert) — rpc/errors.ts maps them to JSON-RPC error objects;
 * anything else thrown is an internal error (-32603).
 *
 * Events: "newHead" (block: RpcBlock) when a block becomes the head (final on a validator network),
 * "logs" (logs: RpcLog[]) with the logs of that block, in order.
 */
export interface RpcBackend extends EventEmitter {
  readonly chainId: bigint;
  readonly clientVersion: string;
  /** The head: the highest block that is executed and stored (final). */
  blockNumber(): bigint;
  finalizedNumber(): bigint;
  getBalance(address: Hex, block: BlockRef): Promise<bigint>;
  getCode(address: Hex, block: BlockRef): Promise<Hex>;
  getStorageAt(address: Hex, slot: Hex, block: BlockRef): Promise<Hex>;
  getTransactionCount(address: Hex, block: BlockRef): Promise<bigint>;
  /** Throws on revert: ExecutionError EXECUTION_REVERTED (sent as code 3, "execution reverted: …", revert data). */
  call(request: CallRequest, block: BlockRef): Promise<Hex>;
  estimateGas(request: CallRequest, block: BlockRef): Promise<bigint>;
  gasPrice(): Promise<bigint>;
  maxPriorityFeePerGas(): Promise<bigint>;
  feeHistory(blockCount: number, newest: bigint, rewardPercentiles: number[] | undefined): Promise<FeeHistory>;
  /** Admits a signed transaction to the pool; returns its hash or throws the refusal (sent as -32000, geth's words). */
  sendRawTransaction(raw: Uint8Array): Promise<Hex>;
  getTransactionByHash(hash: Hex): Promise<RpcTransaction | null>;
  getTransactionReceipt(hash: Hex): Promise<RpcReceipt | null>;
  /** eth_getBlockReceipts: every receipt of the block at `number`, in order; null when there is no such block. */
  getBlockReceipts(number: bigint): Promise<RpcReceipt[] | null>;
  getBlockByNumber(number: bigint, fullTransactions: boolean): Promise<RpcBlock | null>;
  getBlockByHash(hash: Hex, fullTransactions: boolean): Promise<RpcBlock | null>;
  getLogs(filter: LogFilter): Promise<RpcLog[]>;
  /** luniverse_validators: the validators in force at `block` (default: the head). */
  validators(block?: bigint): Promise<Hex[]>;
  /** luniverse_getFinality: the commit signatures of a block. */
  finality(block: bigint | Hex): Promise<BlockFinality | null>;
  status(): NodeStatus;
  /** luniverse_gasUsage: an account's gas usage under the gas policy (undefined: no policy in force here). */
  gasUsage?(account: Hex): Promise<unknown>;
  /** luniverse_gasSponsorUsage: a sponsor's gas used this window against its budget. */
  gasSponsorUsage?(id: bigint): Promise<unknown>;
  /**
   * luniverse_reportAbuse: a trusted process (the gateway) reports an abusive sender; `remote` is the caller's address.
   * Throws an RpcError when the caller is not allowed. Undefined: no gas policy in force here.
   */
  reportAbuse?(account: Hex, reason: string, remote: string | undefined): unknown;
  peers(): PeerInfo[];
  /**
   * luniverse_backup: takes a snapshot of the node's database now (node/backup/); `remote` is the caller's address
   * (only loopback callers may). Undefined: the node takes none.
   */
  backup?(remote: string | undefined): Promise<unknown>;
  /** luniverse_standby / luniverse_takeover / luniverse_standDown: who signs with this node's validator key. */
  keyGuard?: {
    status(): unknown;
    takeover(record: { height: bigint; hash: Hex } | null, remote: string | undefined): Promise<unknown>;
    standDown(remote: string | undefined): unknown;
  };
  /** luniverse_snapshots: the snapshots the node holds, newest first. */
  snapshots?(): unknown[];
  /** GET routes beyond /metrics and /health (the snapshots served to new nodes); true when it answered. */
  httpGet?(path: string, res: import("node:http").ServerResponse, head: boolean): boolean;
  /** Prometheus text exposition, served at GET /metrics. */
  metrics(): string;
  /** ots_*, debug_trace*, txpool_*, luniverse_nodeInfo, erigon_getHeaderByNumber (undefined: not offered: -32601). */
  readonly explorer?: ExplorerBackend;
}

/** debug_traceTransaction / debug_traceCall options (geth's TraceConfig). Without `tracer`: the struct logger. */
export interface TraceOptions {
  tracer?: "callTracer";
  tracerConfig?: { onlyTopCall?: boolean; withLog?: boolean };
  disableStack?: boolean;
  disableStorage?: boolean;
  enableMemory?: boolean;
  enableReturnData?: boolean;
  limit?: number;
}

/** ots_getBlockDetails. */
export interface OtsBlockDetails {
  block: Omit<RpcBlock, "transactions" | "logsBloom"> & { logsBloom: null; transactionCount: number };
  issuance: { blockReward: Hex; uncleReward: Hex; issuance: Hex };
  totalFees: Hex;
}

/** ots_getBlockTransactions: a page of the block's transactions (input cut to the selector) and their receipts. */
export interface OtsBlockTransactions {
  fullblock: Omit<RpcBlock, "transactions"> & { transactions: RpcTransaction[]; transactionCount: number };
  receipts: (Omit<RpcReceipt, "logs" | "logsBloom"> & { logs: null; logsBloom: null; timestamp: Hex })[];
}

/** ots_searchTransactionsBefore / After. */
export interface OtsSearchResult {
  txs: RpcTransaction[];
  receipts: (RpcReceipt & { timestamp: Hex })[];
  firstPage: boolean;
  lastPage: boolean;
}

/** txpool_content: sender (checksummed) → nonce (decimal) → transaction. */
export interface TxPoolContent {
  pending: Record<string, Record<string, RpcTransaction>>;
  queued: Record<string, Record<string, RpcTransaction>>;
}

/** luniverse_nodeInfo: what the console's node explorer shows of one node. */
export interface NodeInfo {
  version: string;
  clientVersion: string;
  chainId: Hex;
  genesisHash: Hex;
  /** The validator address of this node, null on a full node. */
  address: Hex | null;
  head: { number: Hex; hash: Hex; timestamp: Hex };
  peers: { id: string; address: string | null; url: string | null; head: Hex }[];
  syncing: boolean;
  /** The validators in force at the head. */
  validators: Hex[];
}

/** What the explorer and debug methods ask of the node (rpc/explorer.ts). */
export interface ExplorerBackend {
  traceTransaction(hash: Hex, options: TraceOptions): Promise<unknown>;
  traceCall(request: CallRequest, block: BlockRef, options: TraceOptions): Promise<unknown>;
  otsTraceTransaction(hash: Hex): Promise<unknown[]>;
  otsInternalOperations(hash: Hex): Promise<unknown[]>;
  otsTransactionError(hash: Hex): Promise<Hex>;
  otsBlockDetails(block: bigint | Hex): Promise<OtsBlockDetails | null>;
  otsBlockTransactions(number: bigint, page: number, pageSize: number): Promise<OtsBlockTransactions | null>;
  otsSearch(address: Hex, direction: "before" | "after", blockNumber: bigint, pageSize: number): Promise<OtsSearchResult>;
  otsTransactionBySenderAndNonce(sender: Hex, nonce: bigint): Promise<Hex | null>;
  otsContractCreator(address: Hex): Promise<{ hash: Hex; creator: Hex } | null>;
  txpoolContent(): TxPoolContent;
  nodeInfo(clientVersion: string): Promise<NodeInfo>;
  headerByNumber(number: bigint): Promise<RpcBlock | null>;
}
