/**
 * The indexer's HTTP API shapes (services/indexer, `GET /api/v1/…`, JSON) — shared by the indexer, the console and the
 * tests. Types only.
 *
 * Conventions: amounts and other uint256 values are decimal strings; addresses are EIP-55 checksummed; hashes and byte
 * strings are 0x-prefixed lowercase hex; times are unix seconds; block numbers are JS numbers.
 * Errors answer HTTP 400 (bad input) or 404 (unknown block, transaction, address, token, chain) with `ApiError`.
 */

/** `{error: {code, message}}` — `code` is UPPER_SNAKE (`INDEXER_BAD_REQUEST`, `INDEXER_NOT_FOUND`, …). */
export interface ApiError {
  error: { code: string; message: string };
}

/** A page read by cursor: pass `nextCursor` as `?cursor=` (or `?before=` for blocks/transactions) for the next page; null = last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

// ---------------------------------------------------------------------------------------------------------------- chains

export type ChainRole = "main" | "product" | "ethereum";

/** `GET /api/v1/chains` → `ChainSummary[]`. `{chain}` in every other path is the chain id (decimal) or its name. */
export interface ChainSummary {
  chainId: number;
  name: string;
  role: ChainRole;
  /** Highest block written to the store (-1 before the first). */
  indexedHeight: number;
  /** The node's head (final) height when last polled. */
  headHeight: number;
  /** Timestamp of the highest indexed block; null before the first. */
  lastBlockTime: number | null;
}

// ---------------------------------------------------------------------------------------------------------------- search

export type SearchKind = "block" | "transaction" | "address" | "token" | "none";

/** `GET /api/v1/chains/{chain}/search?q=` — q: a block number, block hash, tx hash, address, token symbol or name. */
export interface SearchParams {
  q: string;
}
/** `value`: the block number (decimal string) or hash, the tx hash, the address or the token's address; "" for none. */
export interface SearchResult {
  kind: SearchKind;
  value: string;
  chain: number;
}

// ---------------------------------------------------------------------------------------------------------------- blocks

/** `GET /api/v1/chains/{chain}/blocks?before=&limit=` (newest first; `before`: a block number, exclusive; limit 1..100, default 25) → `Page<BlockSummary>`. */
export interface BlockListParams {
  before?: number;
  limit?: number;
}

export interface BlockSummary {
  number: number;
  hash: string;
  timestamp: number;
  /** Proposer: the header's `miner` (coinbase) — on our chains the validator that proposed. */
  proposer: string;
  /** Consensus round from `extraData`'s first 8 bytes; null on chains that are not ours. */
  round: number | null;
  txCount: number;
  gasUsed: string;
  gasLimit: string;
}

/** `GET /api/v1/chains/{chain}/blocks/{numberOrHash}` → `BlockDetail`. */
export interface BlockDetail extends BlockSummary {
  parentHash: string;
  stateRoot: string;
  transactionsRoot: string;
  receiptsRoot: string;
  extraData: string;
  baseFeePerGas: string | null;
  size: number | null;
  /** Number of finality signatures (`luniverse_getFinality`); null when the node does not serve it. */
  finalitySigners: number | null;
  /** Addresses that signed finality, when known. */
  finalitySignerAddresses: string[] | null;
  /** First page (up to 100) of the block's transactions, by index. */
  transactions: TransactionSummary[];
}

// ---------------------------------------------------------------------------------------------------------- transactions

/** `GET /api/v1/chains/{chain}/transactions?before=&limit=` (newest first; `before`: the `nextCursor` of the previous page) → `Page<TransactionSummary>`. */
export interface TransactionListParams {
  before?: string;
  limit?: number;
}

export interface TransactionSummary {
  hash: string;
  blockNumber: number;
  index: number;
  timestamp: number;
  from: string;
  /** null for a contract creation. */
  to: string | null;
  /** Created contract, for a creation. */
  contractAddress: string | null;
  value: string;
  /** 1 = success, 0 = reverted. */
  status: number;
  gasUsed: string;
  /** 4-byte selector of the input (0x…), null for plain transfers/creations. */
  selector: string | null;
  /** Function name when decoded against one of our contracts. */
  method: string | null;
}

export interface DecodedArg {
  name: string;
  type: string;
  /** Decimal strings for integers, checksummed addresses, 0x-hex bytes, arrays/tuples as JSON arrays. */
  value: unknown;
}

export interface DecodedCall {
  contract: string;
  function: string;
  signature: string;
  args: DecodedArg[];
}

export interface DecodedEvent {
  contract: string;
  event: string;
  signature: string;
  args: DecodedArg[];
}

export interface LogEntry {
  index: number;
  address: string;
  topics: string[];
  data: string;
  /** null when the emitter or the event is not one we know. */
  decoded: DecodedEvent | null;
}

export interface InternalCall {
  /** Depth-first order, 0 = the top call. */
  index: number;
  depth: number;
  type: string;
  from: string;
  to: string | null;
  value: string;
  gas: string;
  gasUsed: string;
  input: string;
  output: string | null;
  error: string | null;
}

export interface RevertInfo {
  /** The raw revert data. */
  data: string | null;
  /** Custom error or `Error(string)` / `Panic(uint256)` decoded, e.g. `BridgeDailyLimitExceeded(100, 5)`; null when unknown. */
  decoded: string | null;
  /** A readable explanation with a hint when one exists. */
  message: string;
}

/** `GET /api/v1/chains/{chain}/transactions/{hash}` → `TransactionDetail`. */
export interface TransactionDetail extends TransactionSummary {
  blockHash: string;
  nonce: number;
  gas: string;
  gasPrice: string | null;
  maxFeePerGas: string | null;
  maxPriorityFeePerGas: string | null;
  effectiveGasPrice: string | null;
  type: number;
  input: string;
  cumulativeGasUsed: string;
  decodedInput: DecodedCall | null;
  logs: LogEntry[];
  /** From the node's `debug_traceTransaction` callTracer, fetched on first view and cached; null when the node lacks the method. */
  internalCalls: InternalCall[] | null;
  /** Set when status = 0. */
  revert: RevertInfo | null;
  tokenTransfers: TokenTransfer[];
}

// ------------------------------------------------------------------------------------------------------------- addresses

export interface ContractInfo {
  /** Contract name of the compiled artifact (e.g. `MainToken`), or the manifest's name. */
  name: string;
  /** How we know: `manifest` (deployment manifest address) or `bytecode` (runtime code matches a compiled artifact). */
  source: "manifest" | "bytecode";
  abi: unknown[];
}

export interface TokenBalance {
  token: string;
  symbol: string | null;
  decimals: number | null;
  balance: string;
}

/** `GET /api/v1/chains/{chain}/addresses/{address}` → `AddressDetail`. */
export interface AddressDetail {
  address: string;
  balance: string;
  nonce: number;
  isContract: boolean;
  contract: ContractInfo | null;
  /** The creating transaction of a contract the indexer saw created. */
  creator: { address: string; transactionHash: string; blockNumber: number } | null;
  tokenBalances: TokenBalance[];
  txCount: number;
}

/** `GET …/addresses/{address}/transactions?cursor=&limit=` → `Page<TransactionSummary>`; `…/transfers?cursor=&limit=` → `Page<TokenTransfer>`. */
export interface CursorParams {
  cursor?: string;
  limit?: number;
}

// ---------------------------------------------------------------------------------------------------------------- tokens

export type TokenKind = "erc20" | "erc721";
export type ReconciliationStatus = "ok" | "mismatch" | "pending";

export interface ReconciliationMismatch {
  /** "totalSupply" for Σ balances ≠ totalSupply(), "balance" for one holder. */
  kind: "totalSupply" | "balance";
  /** The holder, for kind = balance. */
  holder: string | null;
  indexed: string;
  onChain: string;
}

export interface Reconciliation {
  status: ReconciliationStatus;
  /** When the check ran (unix seconds); null while pending. */
  checkedAt: number | null;
  /** The block the check read (indexed balances and eth_call at that block). */
  block: number | null;
  /** Number of mismatches found. */
  mismatches: number;
  /** The first mismatches (up to 20). */
  details?: ReconciliationMismatch[];
}

/** `GET /api/v1/chains/{chain}/tokens` → `TokenSummary[]`. */
export interface TokenSummary {
  address: string;
  kind: TokenKind;
  name: string | null;
  symbol: string | null;
  /** 0 for erc721. */
  decimals: number | null;
  /** Σ indexed balances (for erc721: number of tokens held). */
  totalSupply: string;
  holders: number;
  transfers: number;
  reconciliation: Reconciliation;
}

/** `GET /api/v1/chains/{chain}/tokens/{address}` → `TokenDetail`. */
export interface TokenDetail extends TokenSummary {
  /** The contract name when it is one of ours (`MainToken`, `ProductToken`, …). */
  contractName: string | null;
  creator: { address: string; transactionHash: string; blockNumber: number } | null;
  /** For a product token: the main token behind it, locked in the main bridge; null otherwise. */
  backing: ProductTokenBacking | null;
}

export interface ProductTokenBacking {
  mainChainId: number | null;
  mainToken: string;
  mainSymbol: string | null;
  /** Main-token amount locked in the main bridge for this pair (base units). */
  locked: string;
  /** Product units per main unit (the pair's ratio), decimal string. */
  ratio: string;
  bridgePairId: string | null;
}

/** `GET …/tokens/{address}/holders?limit=&offset=` → `Page<TokenHolder>` (by balance, descending; limit ≤ 100). */
export interface HolderParams {
  limit?: number;
  offset?: number;
}
export interface TokenHolder {
  address: string;
  balance: string;
  /** Share of the indexed supply in percent, e.g. 12.5. */
  share: number;
}

/** One ERC-20 or ERC-721 transfer. */
export interface TokenTransfer {
  token: string;
  kind: TokenKind;
  transactionHash: string;
  logIndex: number;
  blockNumber: number;
  timestamp: number;
  from: string;
  to: string;
  /** ERC-20: the amount; ERC-721: "1". */
  value: string;
  /** ERC-721 token id; null for ERC-20. */
  tokenId: string | null;
}

/** `GET …/tokens/{address}/series?bucket=hour|day` → `TokenSeriesPoint[]`. */
export type SeriesBucket = "hour" | "day";
export interface TokenSeriesPoint {
  /** Bucket start (unix seconds). */
  t: number;
  transfers: number;
  volume: string;
}

// ----------------------------------------------------------------------------------------------------------------- stats

/** `GET /api/v1/chains/{chain}/stats?window=&bucket=` — window and bucket in seconds (defaults 3600 and 60; ≤ 1000 buckets). */
export interface StatsParams {
  window?: number;
  bucket?: number;
}
export interface StatsPoint {
  t: number;
  blocks: number;
  txs: number;
  tps: number;
  /** Seconds between blocks in this bucket; null with fewer than 2 blocks. */
  avgBlockInterval: number | null;
  gasUsed: string;
}
export interface StatsResult {
  window: number;
  bucket: number;
  series: StatsPoint[];
}

// ------------------------------------------------------------------------------------------------------------ validators

export interface ValidatorEpoch {
  epoch: number;
  fromBlock: number;
  toBlock: number;
  proposed: number;
  missed: number;
}

/** `GET /api/v1/chains/{chain}/validators` → `ValidatorsResult`. */
export interface ValidatorInfo {
  address: string;
  stake: string;
  jailed: boolean;
  /** In the current validator set. */
  active: boolean;
  proposed: number;
  /** Rounds in which it was the proposer and the block was made in a later round. */
  missed: number;
  epochs: ValidatorEpoch[];
  /** Last block whose finality it signed (when the node serves luniverse_getFinality); null if unknown. */
  lastSigned: number | null;
  lastProposed: number | null;
}
export interface ValidatorsResult {
  /** Whether the chain is one of ours (a ValidatorSet is known); false = an external chain, validators empty. */
  supported: boolean;
  validatorSet: string | null;
  epochLength: number | null;
  validators: ValidatorInfo[];
}

// ---------------------------------------------------------------------------------------------------------------- bridge

export type BridgeOpStatus = "announced" | "queued" | "executed";

export interface BridgeOperation {
  id: string;
  kind: "deposit" | "redeem";
  pairId: string;
  sender: string;
  recipient: string;
  mainAmount: string;
  productAmount: string;
  /** Chain and tx of the announcing event. */
  chainId: number;
  blockNumber: number;
  transactionHash: string;
  timestamp: number;
  status: BridgeOpStatus;
  /** Settlement tx on the other chain, when seen. */
  settledTransactionHash: string | null;
}

/** `GET /api/v1/chains/{chain}/bridge` → `BridgeResult`. */
export interface BridgeResult {
  bridge: string | null;
  operations: BridgeOperation[];
  /** Operations not executed yet, oldest first. */
  queue: BridgeOperation[];
  /** Per pair seen in operations, read from this chain's bridge (`limits`, `remainingToday`); empty when no bridge is known. */
  limits: BridgeLimits[];
}

export interface BridgeLimits {
  pairId: string;
  /** `maxPerTx`. */
  perTx: string | null;
  /** `dailyIn` (what this bridge lets in per UTC day). */
  daily: string | null;
  /** `dailyIn − remainingIn` today. */
  usedToday: string | null;
  minPerTx: string | null;
  dailyIn: string | null;
  dailyOut: string | null;
  remainingIn: string | null;
  remainingOut: string | null;
}

// ------------------------------------------------------------------------------------------------------------ governance

export interface GovernanceVote {
  voter: string;
  support: number;
  weight: string;
  blockNumber: number;
  transactionHash: string;
}
export interface GovernanceProposal {
  id: string;
  proposer: string;
  description: string | null;
  blockNumber: number;
  transactionHash: string;
  timestamp: number;
  /** Last event seen: created, queued, executed, canceled. */
  state: string;
  votes: GovernanceVote[];
}
/** `GET /api/v1/chains/{chain}/governance/proposals` → `GovernanceProposal[]`. */
export type GovernanceResult = GovernanceProposal[];

// ------------------------------------------------------------------------------------------------------------- anchoring

export interface AnchorRange {
  /** The child chain whose blocks are anchored. */
  childChainId: number;
  fromBlock: number;
  toBlock: number;
  root: string;
  /** Where the anchor was recorded. */
  chainId: number;
  blockNumber: number;
  transactionHash: string;
}
/** `GET /api/v1/chains/{chain}/anchoring` → `AnchoringResult`. */
export interface AnchoringResult {
  /** Phase 1 (this chain's ranges anchored into the main chain) and phase 2 (main chain into Ethereum), where known. */
  phases: {
    phase: 1 | 2;
    childChainId: number;
    parentChainId: number;
    lastAnchoredHeight: number | null;
    childHeadHeight: number | null;
    lag: number | null;
  }[];
  ranges: AnchorRange[];
}

// -------------------------------------------------------------------------------------------------------- reconciliation

/** `GET /api/v1/reconciliation` → `ReconciliationRow[]` (per chain per token, the last check). */
export interface ReconciliationRow {
  chainId: number;
  token: string;
  symbol: string | null;
  kind: TokenKind;
  reconciliation: Reconciliation;
}

/** `GET /health` → `HealthResult`. */
export interface HealthResult {
  ok: boolean;
  chains: { chainId: number; indexedHeight: number; headHeight: number; lag: number }[];
}
