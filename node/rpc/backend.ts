/**
 * The node's answers to JSON-RPC (the RpcBackend of rpc/types.ts): reads from the chain and its state, calls and
 * gas estimates on the VM, transactions into the pool — the chain's objects adapted to the wire format
 * (rpc/format.ts).
 */
import { EventEmitter } from "node:events";
import { createBlock, type Block } from "@ethereumjs/block";
import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, createAddressFromString, hexToBytes, setLengthLeft } from "@ethereumjs/util";
import type { VM } from "@ethereumjs/vm";
import { errorMessage } from "../../lib/errors";
import type { Chain, CommittedBlock } from "../chain/chain";
import { roundOf, threshold } from "../consensus/engine";
import { callFailure, callOnVm, estimateWithSearch, type ExecResult } from "../execution/call";
import { decodeTransaction } from "../execution/txMemo";
import type { PeerInfo as NetworkPeer } from "../p2p/network";
import { RpcError, SERVER_ERROR, toRpcError } from "./errors";
import { NodeExplorer } from "./explorer";
import { formatBlock, formatLogs, formatReceipt, formatTransaction, q } from "./format";
import type { BlockFinality, BlockRef, CallRequest, FeeHistory, Hex, LogFilter, NodeStatus, PeerInfo, RpcBackend, RpcBlock, RpcLog, RpcReceipt, RpcTransaction } from "./types";

/** What the backend needs from the node around it. */
export interface BackendHost {
  chain: Chain;
  chainId: bigint;
  baseFeePerGas: bigint;
  priorityFee: bigint;
  gasFree: boolean;
  /** This node's validator address (null on a full node). */
  validator: Hex | null;
  validatorsAt(number: bigint): Promise<Hex[]>;
  /** Admits a transaction to the pool (and gossips it); throws the pool's refusal. */
  admit(tx: TypedTransaction): Promise<Hex>;
  poolGet(hash: Hex): TypedTransaction | undefined;
  pendingNonce(address: Hex): Promise<bigint>;
  poolStats(): { pending: number; queued: number };
  isSyncing(): boolean;
  peers(): NetworkPeer[];
  /** The node's Prometheus exposition. */
  metrics(): string;
  /** The gas policy's answers (gas-free chains with a policy in force; node/gasfree/). */
  gas?: { usage(account: Hex): Promise<unknown>; sponsorUsage(id: bigint): Promise<unknown> };
  /** luniverse_reportAbuse (gasFree.abuseReportsFrom): undefined when this node takes no reports. */
  reportAbuse?(account: Hex, reason: string, remote: string | undefined): unknown;
  /** luniverse_standby, luniverse_takeover, luniverse_standDown (node/consensus/keyGuard.ts). */
  keyGuard?: {
    status(): unknown;
    takeover(record: { height: bigint; hash: Hex } | null, remote: string | undefined): Promise<unknown>;
    standDown(remote: string | undefined): unknown;
  };
  /** luniverse_backup, luniverse_snapshots and GET /snapshots (node/backup/service.ts). */
  backups?: {
    backup(remote: string | undefined): Promise<unknown>;
    snapshots(): unknown[];
    httpGet(path: string, res: import("node:http").ServerResponse, head: boolean): boolean;
  };
  /** The Slashing system contract: traces re-run a block's downtime system calls (undefined: the block has none). */
  slashing?: Hex;
  /** The pool's pending and queued transactions per sender, in nonce order (txpool_content). */
  poolContent?(): { pending: Map<Hex, TypedTransaction[]>; queued: Map<Hex, TypedTransaction[]> };
}

export class NodeBackend extends EventEmitter implements RpcBackend {
  readonly clientVersion = "luniverse-ts/0.1.0/node-" + process.version;
  private queryVm: { root: string; vm: Promise<VM> } | null = null;
  /**
   * Calls simulate writes on the VM they run on (journal checkpoint, revert): two calls interleaving at their
   * awaits on one VM would see each other's uncommitted writes. Everything that touches a VM runs one at a time.
   */
  private lock: Promise<unknown> = Promise.resolve();

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  readonly explorer: NodeExplorer;

  constructor(private readonly host: BackendHost) {
    super();
    this.explorer = new NodeExplorer({
      chain: host.chain,
      chainId: host.chainId,
      validator: host.validator,
      validatorsAt: (n) => host.validatorsAt(n),
      slashing: host.slashing,
      poolContent: () => host.poolContent?.() ?? { pending: new Map(), queued: new Map() },
      isSyncing: () => host.isSyncing(),
      peers: () => this.peers(),
    });
    host.chain.on("block", (c: CommittedBlock) => {
      this.queryVm = null;
      this.emit("newHead", formatBlock(c.block, c.receipts.map((r) => r.from), false));
      const logs = formatLogs(c.block, c.receipts).flat();
      if (logs.length > 0) this.emit("logs", logs);
    });
  }

  get chainId(): bigint {
    return this.host.chainId;
  }
  private get chain(): Chain {
    return this.host.chain;
  }

  blockNumber(): bigint {
    return this.chain.height;
  }
  finalizedNumber(): bigint {
    return this.chain.height;
  }

  private async blockAt(ref: BlockRef): Promise<Block> {
    if (ref === "pending") return this.chain.head;
    const b = await this.chain.getBlockByNumber(ref);
    if (b === null) throw new RpcError(SERVER_ERROR, "header not found");
    return b;
  }

  /** A VM at the state after `ref` (cached for the head). */
  private async vmAt(ref: BlockRef): Promise<VM> {
    const block = await this.blockAt(ref);
    const root = bytesToHex(block.header.stateRoot);
    if (ref === "pending" || block.header.number === this.chain.height) {
      if (this.queryVm === null || this.queryVm.root !== root) this.queryVm = { root, vm: this.chain.executor.vmAt(block.header.stateRoot) };
      return this.queryVm.vm;
    }
    return this.chain.executor.vmAt(block.header.stateRoot);
  }

  async getBalance(address: Hex, block: BlockRef): Promise<bigint> {
    return this.exclusive(async () => {
      const vm = await this.vmAt(block);
      return (await vm.stateManager.getAccount(createAddressFromString(address)))?.balance ?? 0n;
    });
  }
  async getCode(address: Hex, block: BlockRef): Promise<Hex> {
    return this.exclusive(async () => {
      const vm = await this.vmAt(block);
      return bytesToHex(await vm.stateManager.getCode(createAddressFromString(address))) as Hex;
    });
  }
  async getStorageAt(address: Hex, slot: Hex, block: BlockRef): Promise<Hex> {
    return this.exclusive(async () => {
      const vm = await this.vmAt(block);
      const key = setLengthLeft(hexToBytes(slot), 32);
      const value = await vm.stateManager.getStorage(createAddressFromString(address), key);
      return bytesToHex(setLengthLeft(value, 32)) as Hex;
    });
  }
  async getTransactionCount(address: Hex, block: BlockRef): Promise<bigint> {
    if (block === "pending") return this.host.pendingNonce(address);
    return this.exclusive(async () => {
      const vm = await this.vmAt(block);
      return (await vm.stateManager.getAccount(createAddressFromString(address)))?.nonce ?? 0n;
    });
  }

  /** The block a call runs in: for the head/pending, the next block (as the transaction would be mined). */
  private callContext(parent: Block, next: boolean): Block {
    const h = parent.header;
    return createBlock(
      {
        header: {
          number: next ? h.number + 1n : h.number,
          timestamp: next ? BigInt(Math.max(Number(h.timestamp) + 1, Math.floor(Date.now() / 1000))) : h.timestamp,
          gasLimit: h.gasLimit,
          baseFeePerGas: h.baseFeePerGas,
          coinbase: h.coinbase,
          difficulty: 0n,
          excessBlobGas: 0n,
          parentHash: next ? parent.hash() : h.parentHash,
        },
      },
      { common: this.chain.common, skipConsensusFormatValidation: true },
    );
  }

  private execute(request: CallRequest, ref: BlockRef, gasLimit: bigint): Promise<ExecResult> {
    return this.exclusive(() => this.executeNow(request, ref, gasLimit));
  }

  private async executeNow(request: CallRequest, ref: BlockRef, gasLimit: bigint): Promise<ExecResult> {
    const parent = await this.blockAt(ref);
    const next = ref === "pending" || parent.header.number === this.chain.height;
    const vm = await this.vmAt(ref);
    return callOnVm(vm, request, gasLimit, this.callContext(parent, next));
  }

  async call(request: CallRequest, block: BlockRef): Promise<Hex> {
    const cap = request.gas ?? this.chain.head.header.gasLimit;
    const r = await this.execute(request, block, cap);
    if (!r.ok) throw callFailure(r.returnValue, r.error);
    return r.returnValue;
  }

  async estimateGas(request: CallRequest, block: BlockRef): Promise<bigint> {
    return estimateWithSearch(request, request.gas ?? this.chain.head.header.gasLimit, (gas) => this.execute(request, block, gas));
  }

  async gasPrice(): Promise<bigint> {
    return this.host.baseFeePerGas + this.host.priorityFee;
  }
  async maxPriorityFeePerGas(): Promise<bigint> {
    return this.host.priorityFee;
  }

  async feeHistory(blockCount: number, newest: bigint, rewardPercentiles: number[] | undefined): Promise<FeeHistory> {
    const last = newest > this.chain.height ? this.chain.height : newest;
    const count = BigInt(Math.max(0, Math.min(blockCount, 1024)));
    const oldest = last + 1n - count < 0n ? 0n : last + 1n - count;
    const baseFeePerGas: Hex[] = [];
    const gasUsedRatio: number[] = [];
    const reward: Hex[][] = [];
    for (let n = oldest; n <= last; n++) {
      const b = await this.chain.getBlockByNumber(n);
      if (!b) break;
      baseFeePerGas.push(q(b.header.baseFeePerGas ?? 0n));
      gasUsedRatio.push(b.header.gasLimit === 0n ? 0 : Number(b.header.gasUsed) / Number(b.header.gasLimit));
      if (rewardPercentiles) reward.push(rewardPercentiles.map(() => q(this.host.priorityFee)));
    }
    baseFeePerGas.push(q(this.host.baseFeePerGas));
    const out: FeeHistory = { oldestBlock: q(oldest), baseFeePerGas, gasUsedRatio };
    if (rewardPercentiles) out.reward = reward;
    return out;
  }

  async sendRawTransaction(raw: Uint8Array): Promise<Hex> {
    let tx: TypedTransaction;
    try {
      tx = decodeTransaction(raw, this.chain.common);
    } catch (err) {
      throw new RpcError(SERVER_ERROR, `invalid transaction: ${(err as Error).message.split("\n")[0]}`);
    }
    try {
      return await this.host.admit(tx);
    } catch (err) {
      // the pool's refusals are answers (-32000 in geth's words); so is anything else that stopped the admission
      if (toRpcError(err) !== null) throw err;
      throw new RpcError(SERVER_ERROR, errorMessage(err));
    }
  }

  async getTransactionByHash(hash: Hex): Promise<RpcTransaction | null> {
    const loc = await this.chain.getTxLocation(hash);
    if (loc) return formatTransaction(loc.block.transactions[loc.index]!, loc.receipts[loc.index]!.from, loc.block, loc.index);
    const pending = this.host.poolGet(hash);
    return pending ? formatTransaction(pending, pending.getSenderAddress().toString(), null, null) : null;
  }

  async getTransactionReceipt(hash: Hex): Promise<RpcReceipt | null> {
    const loc = await this.chain.getTxLocation(hash);
    if (!loc) return null;
    return formatReceipt(loc.block, loc.receipts, loc.index);
  }

  async getBlockReceipts(number: bigint): Promise<RpcReceipt[] | null> {
    const block = await this.chain.getBlockByNumber(number);
    if (block === null) return null;
    const receipts = await this.chain.getReceipts(bytesToHex(block.hash()) as Hex);
    const logs = formatLogs(block, receipts);
    return receipts.map((_, i) => formatReceipt(block, receipts, i, logs));
  }

  private async formatFull(block: Block, full: boolean): Promise<RpcBlock> {
    const senders = full ? (await this.chain.getReceipts(bytesToHex(block.hash()) as Hex)).map((r) => r.from) : null;
    return formatBlock(block, senders, full);
  }

  async getBlockByNumber(number: bigint, full: boolean): Promise<RpcBlock | null> {
    const b = await this.chain.getBlockByNumber(number);
    return b ? this.formatFull(b, full) : null;
  }
  async getBlockByHash(hash: Hex, full: boolean): Promise<RpcBlock | null> {
    const b = await this.chain.getBlockByHash(hash);
    return b ? this.formatFull(b, full) : null;
  }

  async getLogs(filter: LogFilter): Promise<RpcLog[]> {
    const out: RpcLog[] = [];
    const addresses = filter.address?.map((a) => a.toLowerCase());
    const to = filter.toBlock > this.chain.height ? this.chain.height : filter.toBlock;
    for (let n = filter.fromBlock; n <= to; n++) {
      const block = filter.blockHash ? await this.chain.getBlockByHash(filter.blockHash) : await this.chain.getBlockByNumber(n);
      if (!block) break;
      if (block.header.gasUsed === 0n) {
        if (filter.blockHash) break;
        continue;
      }
      const receipts = await this.chain.getReceipts(bytesToHex(block.hash()) as Hex);
      for (const log of formatLogs(block, receipts).flat()) {
        if (addresses && !addresses.includes(log.address.toLowerCase())) continue;
        if (!matchTopics(log.topics, filter.topics)) continue;
        out.push(log);
      }
      if (filter.blockHash) break;
    }
    return out;
  }

  async validators(block?: bigint): Promise<Hex[]> {
    return this.host.validatorsAt(block ?? this.chain.height);
  }

  async finality(ref: bigint | Hex): Promise<BlockFinality | null> {
    const block = typeof ref === "bigint" ? await this.chain.getBlockByNumber(ref) : await this.chain.getBlockByHash(ref);
    if (!block) return null;
    const hash = bytesToHex(block.hash()) as Hex;
    const validators = block.header.number === 0n ? [] : await this.host.validatorsAt(block.header.number);
    const signatures = await this.chain.getSignatures(hash);
    return {
      number: q(block.header.number),
      hash,
      final: true,
      validators,
      threshold: validators.length === 0 ? 0 : threshold(validators.length),
      signatures,
      round: roundOf(block),
      proposer: block.header.coinbase.toString() as Hex,
      signers: signatures.map((x) => x.validator),
    };
  }

  status(): NodeStatus {
    const pool = this.host.poolStats();
    const height = q(this.chain.height);
    return {
      chainId: q(this.host.chainId),
      genesisHash: this.chain.genesisHash,
      height,
      finalizedHeight: height,
      validator: this.host.validator,
      syncing: this.host.isSyncing(),
      peers: this.host.peers().length,
      txPool: { pending: pool.pending, queued: pool.queued },
      gasFree: this.host.gasFree,
    };
  }
  get gasUsage(): RpcBackend["gasUsage"] {
    const gas = this.host.gas;
    return gas === undefined ? undefined : (account) => gas.usage(account);
  }
  get reportAbuse(): RpcBackend["reportAbuse"] {
    const report = this.host.reportAbuse;
    return report === undefined ? undefined : (account, reason, remote) => report(account, reason, remote);
  }
  get keyGuard(): RpcBackend["keyGuard"] {
    return this.host.keyGuard;
  }
  get backup(): RpcBackend["backup"] {
    const b = this.host.backups;
    return b === undefined ? undefined : (remote) => b.backup(remote);
  }
  get snapshots(): RpcBackend["snapshots"] {
    const b = this.host.backups;
    return b === undefined ? undefined : () => b.snapshots();
  }
  get httpGet(): RpcBackend["httpGet"] {
    const b = this.host.backups;
    return b === undefined ? undefined : (path, res, head) => b.httpGet(path, res, head);
  }
  get gasSponsorUsage(): RpcBackend["gasSponsorUsage"] {
    const gas = this.host.gas;
    return gas === undefined ? undefined : (id) => gas.sponsorUsage(id);
  }
  peers(): PeerInfo[] {
    return this.host.peers().map((p) => ({ id: p.id, address: p.address, url: p.url, direction: p.direction, height: p.height }));
  }
  metrics(): string {
    return this.host.metrics();
  }
}

function matchTopics(topics: Hex[], filter: LogFilter["topics"]): boolean {
  if (!filter) return true;
  for (let i = 0; i < filter.length; i++) {
    const want = filter[i];
    if (want === null || want === undefined) continue;
    const have = topics[i]?.toLowerCase();
    if (have === undefined) return false;
    if (Array.isArray(want) ? !want.some((w) => w.toLowerCase() === have) : want.toLowerCase() !== have) return false;
  }
  return true;
}
