export { TxPool, txPoolOptionsFromConfig } from "./pool";
export type { AdmissionHook, GetAccount, OnNewBlockOptions, OnNewBlockResult, PoolAccount, PoolContent, PoolStateReader, PoolStats, TxPoolOptions } from "./pool";
export { PoolError, type PoolErrorCode, type PoolErrorReason } from "./errors";
export { decodeRawTransaction } from "./decode";
