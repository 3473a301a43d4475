/**
 * Compute units (CU): what one JSON-RPC request costs against a key's CU limits, per method, after Alchemy's table
 * (cheap reads ~10–20, calls and logs ~26–75, writes 250, traces 300). Methods not in the table cost the default (20).
 * An operator can override any method's cost (or add one) in the gateway config.
 */
import { LuniverseError } from "../../lib/errors";

export type CuErrorCode = "GATEWAY_CU_INVALID";

/** A CU override that cannot be used; `method` names the entry. */
export class CuTableError extends LuniverseError<CuErrorCode> {
  override name = "CuTableError";
  constructor(
    readonly method: string,
    message: string,
  ) {
    super("GATEWAY_CU_INVALID", `compute units of ${method}: ${message}`, {
      hint: "write a whole number of compute units, 0 or more (e.g. 26)",
    });
  }
}

/** The built-in cost of each method, in compute units. */
export const DEFAULT_CU: Readonly<Record<string, number>> = Object.freeze({
  // chain and node facts
  web3_clientVersion: 15,
  web3_sha3: 10,
  net_version: 10,
  net_listening: 10,
  net_peerCount: 10,
  eth_chainId: 10,
  eth_syncing: 10,
  eth_protocolVersion: 10,
  eth_blockNumber: 10,
  eth_accounts: 10,
  eth_coinbase: 10,
  eth_mining: 10,
  eth_hashrate: 10,
  // fees
  eth_gasPrice: 19,
  eth_maxPriorityFeePerGas: 10,
  eth_feeHistory: 10,
  eth_blobBaseFee: 10,
  // account state
  eth_getBalance: 20,
  eth_getCode: 20,
  eth_getStorageAt: 20,
  eth_getTransactionCount: 20,
  eth_getProof: 21,
  // blocks
  eth_getBlockByNumber: 16,
  eth_getBlockByHash: 16,
  eth_getBlockTransactionCountByHash: 20,
  eth_getBlockTransactionCountByNumber: 20,
  eth_getUncleCountByBlockHash: 10,
  eth_getUncleCountByBlockNumber: 10,
  eth_getUncleByBlockHashAndIndex: 10,
  eth_getUncleByBlockNumberAndIndex: 10,
  eth_getBlockReceipts: 500,
  // transactions
  eth_getTransactionByHash: 17,
  eth_getTransactionByBlockHashAndIndex: 15,
  eth_getTransactionByBlockNumberAndIndex: 15,
  eth_getTransactionReceipt: 15,
  eth_sendRawTransaction: 250,
  // execution
  eth_call: 26,
  eth_estimateGas: 87,
  eth_createAccessList: 10,
  // logs and filters
  eth_getLogs: 75,
  eth_newFilter: 20,
  eth_newBlockFilter: 20,
  eth_newPendingTransactionFilter: 20,
  eth_getFilterChanges: 20,
  eth_getFilterLogs: 75,
  eth_uninstallFilter: 10,
  // subscriptions (each notification is not charged; the subscription is)
  eth_subscribe: 10,
  eth_unsubscribe: 10,
  // explorers (Otterscan's ots_*: traces re-execute a block, searches read an index) and the pool
  ots_getApiLevel: 10,
  ots_hasCode: 20,
  ots_getInternalOperations: 300,
  ots_getTransactionError: 300,
  ots_traceTransaction: 300,
  ots_getBlockDetails: 20,
  ots_getBlockDetailsByHash: 20,
  ots_getBlockTransactions: 75,
  ots_searchTransactionsBefore: 150,
  ots_searchTransactionsAfter: 150,
  ots_getTransactionBySenderAndNonce: 75,
  ots_getContractCreator: 300,
  erigon_getHeaderByNumber: 16,
  txpool_status: 20,
  txpool_content: 75,
});

/** Prefixes whose every method costs the same (unless named in the table or the overrides). */
const PREFIX_CU: readonly (readonly [string, number])[] = Object.freeze([
  ["debug_", 300],
  ["trace_", 300],
  ["luniverse_", 20],
]);

function checkCu(method: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new CuTableError(method, `expected a whole number 0 or more, got ${JSON.stringify(value) ?? String(value)}`);
  }
  return value;
}

/** The CU cost of methods: the built-in table, the operator's overrides on top, and a default for the rest. */
export class CuTable {
  private readonly costs = new Map<string, number>();
  private readonly defaultCu: number;

  /**
   * @param overrides - method → CU, replacing or adding to {@link DEFAULT_CU}; every value a whole number ≥ 0
   *   (else a {@link CuTableError} naming the method).
   * @param defaultCu - the cost of a method neither in the table nor matching a known prefix (`debug_*` 300,
   *   `trace_*` 300, `luniverse_*` 20).
   */
  constructor(overrides: Record<string, number> = {}, defaultCu = 20) {
    this.defaultCu = checkCu("(default)", defaultCu);
    for (const [method, cu] of Object.entries(DEFAULT_CU)) this.costs.set(method, cu);
    for (const [method, cu] of Object.entries(overrides)) {
      if (method.length === 0) throw new CuTableError("(empty method name)", "a method name is required");
      this.costs.set(method, checkCu(method, cu));
    }
  }

  /** The cost of one request of `method`. */
  of(method: string): number {
    const cu = this.costs.get(method);
    if (cu !== undefined) return cu;
    for (const [prefix, prefixCu] of PREFIX_CU) if (method.startsWith(prefix)) return prefixCu;
    return this.defaultCu;
  }

  /** Every method with an explicit cost (built-in and overridden), for the admin API and docs. */
  table(): Record<string, number> {
    return Object.fromEntries([...this.costs.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}
