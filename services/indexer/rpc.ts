/** JSON-RPC for the indexer: the repository's client (lib/jsonRpc.ts) under the indexer's names. */
export { JsonRpcError as IndexerRpcError, isMethodMissing, rpc, rpcBatch, type RpcOutcome, type RpcRequest } from "../../lib/jsonRpc";
