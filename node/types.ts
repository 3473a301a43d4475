/**
 * The contracts between the node's parts. The chain (node/chain), the transaction pool (node/txpool), the peer
 * layer (node/p2p) and the JSON-RPC server (node/rpc) only meet through these types.
 *
 * Wire formats follow the Ethereum JSON-RPC spec: quantities are 0x-prefixed hex without leading zeros, data is
 * 0x-prefixed even-length hex. The chain returns objects already in that form (Rpc* types), so the RPC layer only
 * dispatches, validates parameters and resolves block tags.
 */
import type { EventEmitter } from "node:events";

export type Hex = `0x${string}`;

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

export interface CallRequest {
  from?: Hex;
  to?: Hex | null;
  gas?: bigint;
  gasPrice?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
  value?: bigint;
  data?: Hex;
  nonce?: bigint;
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

/** A commit signature: `validator` signed keccak256(abi.encode(chainId, number, hash)). */
export interface FinalitySignature {
  validator: Hex;
  signature: Hex;
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
}

export interface PeerInfo {
  id: string;
  address: Hex | null;
  url: string;
  direction: "inbound" | "outbound";
  height: Hex;
}

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
 * An error that the RPC layer sends as a JSON-RPC error object as is: `code` (-32000 for execution and pool
 * errors, -32602 for bad params, 3 for a revert with data as geth does), message, optional data.
 */
export class RpcError extends Error {
  constructor(
    public readonly code: number,
    message: string,
    public readonly data?: unknown,
  ) {
    super(message);
    this.name = "RpcError";
  }
}

/**
 * What the JSON-RPC server needs from a node. Methods throw RpcError for answers that are errors
 * (a revert, a rejected transaction); anything else thrown is an internal error (-32603).
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
  /** Throws RpcError(3, "execution reverted: …", revertData) on revert. */
  call(request: CallRequest, block: BlockRef): Promise<Hex>;
  estimateGas(request: CallRequest, block: BlockRef): Promise<bigint>;
  gasPrice(): Promise<bigint>;
  maxPriorityFeePerGas(): Promise<bigint>;
  feeHistory(blockCount: number, newest: bigint, rewardPercentiles: number[] | undefined): Promise<FeeHistory>;
  /** Admits a signed transaction to the pool; returns its hash or throws RpcError(-32000, reason). */
  sendRawTransaction(raw: Uint8Array): Promise<Hex>;
  getTransactionByHash(hash: Hex): Promise<RpcTransaction | null>;
  getTransactionReceipt(hash: Hex): Promise<RpcReceipt | null>;
  getBlockByNumber(number: bigint, fullTransactions: boolean): Promise<RpcBlock | null>;
  getBlockByHash(hash: Hex, fullTransactions: boolean): Promise<RpcBlock | null>;
  getLogs(filter: LogFilter): Promise<RpcLog[]>;
  /** luniverse_validators: the validators in force at `block` (default: the head). */
  validators(block?: bigint): Promise<Hex[]>;
  /** luniverse_getFinality: the commit signatures of a block. */
  finality(block: bigint | Hex): Promise<BlockFinality | null>;
  status(): NodeStatus;
  peers(): PeerInfo[];
  /** Prometheus text exposition, served at GET /metrics. */
  metrics(): string;
}
