/**
 * A small in-memory RpcBackend for the RPC server's protocol-layer tests: three fixed blocks (0, 1 with one signed
 * transaction and one Transfer log, 2 empty), fixed state, a contract that reverts with Error("nope"), one that
 * throws an internal error, and a slow one. `mine()` appends a block and emits newHead/logs like the node.
 *
 * It stands in for the node ONLY in test/node/rpc; end-to-end tests run the real chain.
 */
import { EventEmitter } from "node:events";
import { AbiCoder, Transaction, Wallet, id, zeroPadValue, toBeHex } from "ethers";
import { RpcError } from "../../../node/rpc/errors";
import {
  type BlockFinality,
  type BlockRef,
  type CallRequest,
  type FeeHistory,
  type Hex,
  type LogFilter,
  type NodeStatus,
  type PeerInfo,
  type RpcBackend,
  type RpcBlock,
  type RpcLog,
  type RpcReceipt,
  type RpcTransaction,
} from "../../../node/rpc/types";

export const CHAIN_ID = 7777n;
export const TOKEN = "0x1000000000000000000000000000000000000001" as Hex;
export const REVERTER = "0x2000000000000000000000000000000000000002" as Hex;
export const BROKEN = "0x3000000000000000000000000000000000000003" as Hex;
export const SLOW = "0x4000000000000000000000000000000000000004" as Hex;
export const RECIPIENT = "0x5000000000000000000000000000000000000005" as Hex;
export const VALIDATORS = ["0x00000000000000000000000000000000000000a1", "0x00000000000000000000000000000000000000a2"] as Hex[];
export const TRANSFER_TOPIC = id("Transfer(address,address,uint256)") as Hex;
export const GAS_PRICE = 1_000_000_000n;
export const BALANCE = 10n ** 21n;
/** The revert data of REVERTER: Error("nope"). */
export const REVERT_DATA = `0x08c379a0${AbiCoder.defaultAbiCoder().encode(["string"], ["nope"]).slice(2)}` as Hex;

/** The sender of the fixed transaction (a well-known dev key; never holds value). */
export const SENDER = new Wallet("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");

const ZERO32 = `0x${"00".repeat(32)}` as Hex;
const hex = (n: bigint | number): Hex => `0x${n.toString(16)}`;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface MockCall {
  method: string;
  args: unknown[];
}

export class MockBackend extends EventEmitter implements RpcBackend {
  readonly chainId = CHAIN_ID;
  readonly clientVersion = "luniverse-mock/0.1.0";
  readonly blocks: RpcBlock[] = [];
  readonly txs = new Map<string, { tx: RpcTransaction; receipt: RpcReceipt }>();
  readonly logs: RpcLog[] = [];
  readonly pool = new Map<string, string>();
  /** Every backend call, in order, for assertions on what the server resolved. */
  readonly calls: MockCall[] = [];
  finalized = 1n;
  slowMs = 300;
  syncing = false;
  validator: Hex | null = VALIDATORS[0];
  peerList: PeerInfo[] = [{ id: "peer-1", address: VALIDATORS[1], url: "ws://127.0.0.1:30303", direction: "outbound", height: "0x2" }];
  private senderNonce = 1n;

  /** Builds the fixed chain; async because the transaction is signed. */
  static async create(): Promise<MockBackend> {
    const b = new MockBackend();
    b.pushBlock([]);
    const raw = await SENDER.signTransaction({
      type: 2,
      chainId: CHAIN_ID,
      nonce: 0,
      to: TOKEN,
      value: 0n,
      gasLimit: 60_000n,
      maxFeePerGas: 2n * GAS_PRICE,
      maxPriorityFeePerGas: GAS_PRICE,
      data: "0xa9059cbb",
    });
    const log: Omit<RpcLog, "blockNumber" | "blockHash" | "transactionHash" | "transactionIndex" | "logIndex"> = {
      address: TOKEN,
      topics: [TRANSFER_TOPIC, zeroPadValue(SENDER.address.toLowerCase(), 32) as Hex, zeroPadValue(RECIPIENT, 32) as Hex],
      data: zeroPadValue(toBeHex(5n), 32) as Hex,
      removed: false,
    };
    b.pushBlock([{ raw, logs: [log] }]);
    b.pushBlock([]);
    return b;
  }

  private record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
  }

  /** The last call of `method` the server made. */
  last(method: string): MockCall | undefined {
    return [...this.calls].reverse().find((c) => c.method === method);
  }

  /** Appends a block with the given signed transactions (and their logs); returns it without emitting. */
  pushBlock(items: { raw: string; logs: Omit<RpcLog, "blockNumber" | "blockHash" | "transactionHash" | "transactionIndex" | "logIndex">[] }[]): { block: RpcBlock; logs: RpcLog[] } {
    const number = BigInt(this.blocks.length);
    const hash = id(`mock-block-${number}`) as Hex;
    const parentHash = number === 0n ? ZERO32 : this.blocks[Number(number) - 1].hash;
    const txHashes: Hex[] = [];
    const blockLogs: RpcLog[] = [];
    let cumulative = 0n;
    items.forEach((item, index) => {
      const t = Transaction.from(item.raw);
      const sig = t.signature!;
      const txHash = t.hash as Hex;
      const tx: RpcTransaction = {
        blockHash: hash,
        blockNumber: hex(number),
        transactionIndex: hex(index),
        hash: txHash,
        from: t.from!.toLowerCase() as Hex,
        to: (t.to?.toLowerCase() ?? null) as Hex | null,
        nonce: hex(t.nonce),
        value: hex(t.value),
        gas: hex(t.gasLimit),
        gasPrice: hex(GAS_PRICE),
        maxFeePerGas: hex(t.maxFeePerGas ?? 0n),
        maxPriorityFeePerGas: hex(t.maxPriorityFeePerGas ?? 0n),
        input: t.data as Hex,
        type: hex(t.type ?? 0),
        chainId: hex(t.chainId),
        accessList: [],
        v: hex(sig.yParity),
        r: sig.r as Hex,
        s: sig.s as Hex,
        yParity: hex(sig.yParity),
      };
      const logs: RpcLog[] = item.logs.map((l, i) => ({
        ...l,
        blockNumber: hex(number),
        blockHash: hash,
        transactionHash: txHash,
        transactionIndex: hex(index),
        logIndex: hex(blockLogs.length + i),
      }));
      blockLogs.push(...logs);
      cumulative += 21_000n;
      const receipt: RpcReceipt = {
        transactionHash: txHash,
        transactionIndex: hex(index),
        blockHash: hash,
        blockNumber: hex(number),
        from: tx.from,
        to: tx.to,
        cumulativeGasUsed: hex(cumulative),
        gasUsed: hex(21_000n),
        effectiveGasPrice: hex(GAS_PRICE),
        contractAddress: null,
        logs,
        logsBloom: `0x${"00".repeat(256)}`,
        type: tx.type,
        status: "0x1",
      };
      this.txs.set(txHash, { tx, receipt });
      txHashes.push(txHash);
    });
    const block: RpcBlock = {
      number: hex(number),
      hash,
      parentHash,
      nonce: "0x0000000000000000",
      sha3Uncles: "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347",
      logsBloom: `0x${"00".repeat(256)}`,
      transactionsRoot: id(`tx-root-${number}`) as Hex,
      stateRoot: id(`state-root-${number}`) as Hex,
      receiptsRoot: id(`receipts-root-${number}`) as Hex,
      miner: VALIDATORS[Number(number % 2n)],
      difficulty: "0x0",
      totalDifficulty: "0x0",
      extraData: "0x",
      size: "0x200",
      gasLimit: hex(30_000_000n),
      gasUsed: hex(cumulative),
      timestamp: hex(1_700_000_000n + number),
      mixHash: ZERO32,
      baseFeePerGas: hex(GAS_PRICE),
      transactions: txHashes,
      uncles: [],
    };
    this.blocks.push(block);
    this.logs.push(...blockLogs);
    return { block, logs: blockLogs };
  }

  /** Appends a block (with the pooled transactions, each logging a Transfer) and emits newHead and logs. */
  mine(): RpcBlock {
    const items = [...this.pool.values()].map((raw) => ({
      raw,
      logs: [{ address: TOKEN, topics: [TRANSFER_TOPIC], data: "0x" as Hex, removed: false as const }],
    }));
    this.pool.clear();
    const { block, logs } = this.pushBlock(items);
    this.finalized = BigInt(block.number);
    this.emit("newHead", block);
    this.emit("logs", logs);
    return block;
  }

  blockNumber(): bigint {
    return BigInt(this.blocks.length - 1);
  }

  finalizedNumber(): bigint {
    return this.finalized;
  }

  async getBalance(address: Hex, block: BlockRef): Promise<bigint> {
    this.record("getBalance", address, block);
    if (address === SENDER.address.toLowerCase()) return block === "pending" ? BALANCE - 1n : BALANCE;
    return 0n;
  }

  async getCode(address: Hex, block: BlockRef): Promise<Hex> {
    this.record("getCode", address, block);
    return address === TOKEN ? "0x6080604052" : "0x";
  }

  async getStorageAt(address: Hex, slot: Hex, block: BlockRef): Promise<Hex> {
    this.record("getStorageAt", address, slot, block);
    return address === TOKEN && BigInt(slot) === 0n ? (zeroPadValue("0x2a", 32) as Hex) : ZERO32;
  }

  async getTransactionCount(address: Hex, block: BlockRef): Promise<bigint> {
    this.record("getTransactionCount", address, block);
    if (address !== SENDER.address.toLowerCase()) return 0n;
    if (block === "pending") return this.senderNonce + BigInt(this.pool.size);
    return block === 0n ? 0n : this.senderNonce;
  }

  private async execute(request: CallRequest): Promise<void> {
    if (request.to === REVERTER) throw new RpcError(3, "execution reverted: nope", REVERT_DATA);
    if (request.to === BROKEN) throw new Error("storage exploded at /secret/path");
    if (request.to === SLOW) await delay(this.slowMs);
  }

  async call(request: CallRequest, block: BlockRef): Promise<Hex> {
    this.record("call", request, block);
    await this.execute(request);
    return zeroPadValue(toBeHex(42n), 32) as Hex;
  }

  async estimateGas(request: CallRequest, block: BlockRef): Promise<bigint> {
    this.record("estimateGas", request, block);
    await this.execute(request);
    return 21_000n + BigInt(((request.data?.length ?? 2) - 2) / 2) * 16n;
  }

  async gasPrice(): Promise<bigint> {
    return GAS_PRICE;
  }

  async maxPriorityFeePerGas(): Promise<bigint> {
    return GAS_PRICE / 2n;
  }

  async feeHistory(blockCount: number, newest: bigint, rewardPercentiles: number[] | undefined): Promise<FeeHistory> {
    this.record("feeHistory", blockCount, newest, rewardPercentiles);
    const oldest = newest - BigInt(blockCount) + 1n < 0n ? 0n : newest - BigInt(blockCount) + 1n;
    const n = Number(newest - oldest + 1n);
    const out: FeeHistory = {
      oldestBlock: hex(oldest),
      baseFeePerGas: Array.from({ length: n + 1 }, () => hex(GAS_PRICE)),
      gasUsedRatio: Array.from({ length: n }, () => 0.5),
    };
    if (rewardPercentiles) out.reward = Array.from({ length: n }, () => rewardPercentiles.map(() => hex(GAS_PRICE / 2n)));
    return out;
  }

  async sendRawTransaction(raw: Uint8Array): Promise<Hex> {
    let tx: Transaction;
    try {
      tx = Transaction.from(`0x${Buffer.from(raw).toString("hex")}`);
    } catch {
      throw new RpcError(-32000, "invalid transaction: rlp decoding failed");
    }
    if (tx.chainId !== CHAIN_ID) throw new RpcError(-32000, `invalid chain id ${tx.chainId}`);
    const expected = tx.from?.toLowerCase() === SENDER.address.toLowerCase() ? this.senderNonce + BigInt(this.pool.size) : 0n;
    if (BigInt(tx.nonce) < expected) throw new RpcError(-32000, `nonce too low: next nonce ${expected}, tx nonce ${tx.nonce}`);
    this.pool.set(tx.hash!, tx.serialized);
    if (tx.from?.toLowerCase() === SENDER.address.toLowerCase()) {
      // Keep the mock's account nonce in step once mined.
      this.once("newHead", () => (this.senderNonce += 1n));
    }
    return tx.hash as Hex;
  }

  async getTransactionByHash(hash: Hex): Promise<RpcTransaction | null> {
    const mined = this.txs.get(hash);
    if (mined) return mined.tx;
    const raw = this.pool.get(hash);
    if (raw === undefined) return null;
    const t = Transaction.from(raw);
    const sig = t.signature!;
    return {
      blockHash: null,
      blockNumber: null,
      transactionIndex: null,
      hash,
      from: t.from!.toLowerCase() as Hex,
      to: (t.to?.toLowerCase() ?? null) as Hex | null,
      nonce: hex(t.nonce),
      value: hex(t.value),
      gas: hex(t.gasLimit),
      gasPrice: hex(t.maxFeePerGas ?? t.gasPrice ?? 0n),
      maxFeePerGas: hex(t.maxFeePerGas ?? 0n),
      maxPriorityFeePerGas: hex(t.maxPriorityFeePerGas ?? 0n),
      input: t.data as Hex,
      type: hex(t.type ?? 0),
      chainId: hex(t.chainId),
      accessList: [],
      v: hex(sig.yParity),
      r: sig.r as Hex,
      s: sig.s as Hex,
      yParity: hex(sig.yParity),
    };
  }

  async getTransactionReceipt(hash: Hex): Promise<RpcReceipt | null> {
    return this.txs.get(hash)?.receipt ?? null;
  }

  async getBlockReceipts(number: bigint): Promise<RpcReceipt[] | null> {
    this.record("getBlockReceipts", number);
    const b = this.blocks[Number(number)];
    if (b === undefined) return null;
    return (b.transactions as (string | RpcTransaction)[]).map((t) => this.txs.get(typeof t === "string" ? (t as Hex) : t.hash)!.receipt);
  }

  private withTxs(block: RpcBlock, full: boolean): RpcBlock {
    if (!full) return block;
    return { ...block, transactions: (block.transactions as Hex[]).map((h) => this.txs.get(h)!.tx) };
  }

  async getBlockByNumber(number: bigint, full: boolean): Promise<RpcBlock | null> {
    this.record("getBlockByNumber", number, full);
    const b = this.blocks[Number(number)];
    return b === undefined ? null : this.withTxs(b, full);
  }

  async getBlockByHash(hash: Hex, full: boolean): Promise<RpcBlock | null> {
    this.record("getBlockByHash", hash, full);
    const b = this.blocks.find((x) => x.hash === hash);
    return b === undefined ? null : this.withTxs(b, full);
  }

  async getLogs(filter: LogFilter): Promise<RpcLog[]> {
    this.record("getLogs", filter);
    return this.logs.filter((l) => {
      const n = BigInt(l.blockNumber);
      if (n < filter.fromBlock || n > filter.toBlock) return false;
      if (filter.address && !filter.address.includes(l.address)) return false;
      return (filter.topics ?? []).every((want, i) => want === null || (Array.isArray(want) ? want.includes(l.topics[i]) : want === l.topics[i]));
    });
  }

  async validators(block?: bigint): Promise<Hex[]> {
    this.record("validators", block);
    return VALIDATORS;
  }

  async finality(block: bigint | Hex): Promise<BlockFinality | null> {
    this.record("finality", block);
    const b = typeof block === "bigint" ? this.blocks[Number(block)] : this.blocks.find((x) => x.hash === block);
    if (b === undefined) return null;
    const final = BigInt(b.number) <= this.finalized;
    return {
      number: b.number,
      hash: b.hash,
      final,
      validators: VALIDATORS,
      threshold: 2,
      signatures: final ? VALIDATORS.map((v) => ({ validator: v, signature: `0x${"11".repeat(65)}` as Hex })) : [],
    };
  }

  status(): NodeStatus {
    return {
      chainId: hex(CHAIN_ID),
      genesisHash: this.blocks[0].hash,
      height: hex(this.blockNumber()),
      finalizedHeight: hex(this.finalized),
      validator: this.validator,
      syncing: this.syncing,
      peers: this.peerList.length,
      txPool: { pending: this.pool.size, queued: 0 },
      gasFree: false,
    };
  }

  peers(): PeerInfo[] {
    return this.peerList;
  }

  metrics(): string {
    return `# HELP luniverse_chain_height The head.\n# TYPE luniverse_chain_height gauge\nluniverse_chain_height ${this.blockNumber()}\n`;
  }
}
