/** Ethereum JSON-RPC wire formats of blocks, transactions, receipts and logs, from the chain's objects. */
import type { Block } from "@ethereumjs/block";
import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { Bloom } from "@ethereumjs/vm";
import type { StoredReceipt } from "../execution/executor";
import type { Hex, RpcBlock, RpcLog, RpcReceipt, RpcTransaction } from "./types";

export const q = (v: bigint | number): Hex => `0x${v.toString(16)}`;
const h = (b: Uint8Array): Hex => bytesToHex(b) as Hex;
const EMPTY_UNCLES = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347" as Hex;

export function formatTransaction(tx: TypedTransaction, from: string, block: Block | null, index: number | null): RpcTransaction {
  const t = tx as TypedTransaction & { gasPrice?: bigint; maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint; accessList?: [Uint8Array, Uint8Array[]][] };
  const baseFee = block?.header.baseFeePerGas ?? 0n;
  let gasPrice: bigint;
  if (t.maxFeePerGas !== undefined) {
    const tip = t.maxPriorityFeePerGas ?? 0n;
    gasPrice = block ? (t.maxFeePerGas < baseFee + tip ? t.maxFeePerGas : baseFee + tip) : t.maxFeePerGas;
  } else gasPrice = t.gasPrice ?? 0n;
  const out: RpcTransaction = {
    blockHash: block ? h(block.hash()) : null,
    blockNumber: block ? q(block.header.number) : null,
    transactionIndex: index === null ? null : q(index),
    hash: h(tx.hash()),
    from: from.toLowerCase() as Hex,
    to: tx.to ? (tx.to.toString() as Hex) : null,
    nonce: q(tx.nonce),
    value: q(tx.value),
    gas: q(tx.gasLimit),
    gasPrice: q(gasPrice),
    input: h(tx.data),
    type: q(tx.type),
    v: q(tx.v ?? 0n),
    r: q(tx.r ?? 0n),
    s: q(tx.s ?? 0n),
  };
  if (tx.type !== 0) {
    out.chainId = q(tx.common.chainId());
    out.yParity = q(tx.v ?? 0n);
    out.accessList = (t.accessList ?? []).map(([a, keys]) => ({ address: h(a), storageKeys: keys.map(h) }));
  } else if (tx.supports(1559 as never) === false && (tx.v ?? 0n) > 28n) {
    out.chainId = q(tx.common.chainId());
  }
  if (t.maxFeePerGas !== undefined) {
    out.maxFeePerGas = q(t.maxFeePerGas);
    out.maxPriorityFeePerGas = q(t.maxPriorityFeePerGas ?? 0n);
  }
  return out;
}

export function formatLogs(block: Block, receipts: StoredReceipt[]): RpcLog[][] {
  let first = 0;
  return receipts.map((r, i) => {
    const logs = formatTxLogs(block, receipts, i, first);
    first += r.logs.length;
    return logs;
  });
}

/**
 * The logs of transaction `index` alone: its first log's block-wide index is the count of the logs before it
 * (`firstLogIndex` when the caller already knows it), so one receipt costs its own logs, not the whole block's.
 */
export function formatTxLogs(block: Block, receipts: StoredReceipt[], index: number, firstLogIndex?: number): RpcLog[] {
  let logIndex = firstLogIndex ?? 0;
  if (firstLogIndex === undefined) for (let i = 0; i < index; i++) logIndex += receipts[i]!.logs.length;
  const r = receipts[index]!;
  if (r.logs.length === 0) return [];
  const blockHash = h(block.hash());
  const number = q(block.header.number);
  const transactionHash = h(block.transactions[index]!.hash());
  const transactionIndex = q(index);
  return r.logs.map(([address, topics, data]) => ({
    address: address as Hex,
    topics: topics as Hex[],
    data: data as Hex,
    blockNumber: number,
    blockHash,
    transactionHash,
    transactionIndex,
    logIndex: q(logIndex++),
    removed: false as const,
  }));
}

/** Receipt `index` of `block`; `logs` is the block's logs by transaction (formatLogs) or, omitted, this one's are formatted alone. */
export function formatReceipt(block: Block, receipts: StoredReceipt[], index: number, logs?: RpcLog[][]): RpcReceipt {
  const tx = block.transactions[index]!;
  const r = receipts[index]!;
  const rpcTx = formatTransaction(tx, r.from, block, index);
  const bloom = receiptBloom(r);
  return {
    transactionHash: rpcTx.hash,
    transactionIndex: q(index),
    blockHash: h(block.hash()),
    blockNumber: q(block.header.number),
    from: rpcTx.from,
    to: rpcTx.to,
    cumulativeGasUsed: r.cumulativeGasUsed as Hex,
    gasUsed: r.gasUsed as Hex,
    effectiveGasPrice: rpcTx.gasPrice,
    contractAddress: r.contractAddress as Hex | null,
    logs: logs !== undefined ? logs[index]! : formatTxLogs(block, receipts, index),
    logsBloom: bloom,
    type: q(tx.type),
    status: q(r.status),
  };
}

/** The bloom of one receipt's logs (2048 bits, 3 keccak-derived bits per address and topic). */
function receiptBloom(r: StoredReceipt): Hex {
  const bloom = new Bloom();
  for (const [address, topics] of r.logs) {
    bloom.add(hexToBytes(address as Hex));
    for (const t of topics) bloom.add(hexToBytes(t as Hex));
  }
  return h(bloom.bitvector);
}

const sizes = new WeakMap<Block, number>();
/** The encoded size of a block (an RLP encoding of every transaction: computed once per block object). */
function blockSize(block: Block): number {
  let n = sizes.get(block);
  if (n === undefined) sizes.set(block, (n = block.serialize().length));
  return n;
}

export function formatBlock(block: Block, senders: string[] | null, full: boolean): RpcBlock {
  const hd = block.header;
  return {
    number: q(hd.number),
    hash: h(block.hash()),
    parentHash: h(hd.parentHash),
    nonce: h(hd.nonce),
    sha3Uncles: EMPTY_UNCLES,
    logsBloom: h(hd.logsBloom),
    transactionsRoot: h(hd.transactionsTrie),
    stateRoot: h(hd.stateRoot),
    receiptsRoot: h(hd.receiptTrie),
    miner: hd.coinbase.toString() as Hex,
    difficulty: "0x0",
    totalDifficulty: "0x0",
    extraData: h(hd.extraData),
    size: q(blockSize(block)),
    gasLimit: q(hd.gasLimit),
    gasUsed: q(hd.gasUsed),
    timestamp: q(hd.timestamp),
    mixHash: h(hd.mixHash),
    baseFeePerGas: q(hd.baseFeePerGas ?? 0n),
    transactions: full
      ? block.transactions.map((tx, i) => formatTransaction(tx, senders?.[i] ?? tx.getSenderAddress().toString(), block, i))
      : block.transactions.map((tx) => h(tx.hash())),
    uncles: [],
  };
}
