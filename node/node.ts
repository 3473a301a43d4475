/**
 * A Luniverse node: storage, chain, pool, peers, consensus and JSON-RPC, built and wired together — and nothing
 * else: what each part does is in its layer (see node/README.md).
 *
 *   const node = await LuniverseNode.start(config, genesis);   // config from node/config.ts
 *   node.rpcUrl  // http://127.0.0.1:8545
 *   await node.stop();
 */
import path from "node:path";
import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes, type PrefixedHexString as Hex } from "@ethereumjs/util";
import { createLogger, type Logger } from "../lib/log";
import { Registry, type Counter } from "../lib/metrics";
import { NodeConfigError, loadValidatorKey, type NodeConfig } from "./config";
import { Chain } from "./chain/chain";
import { SnapshotError } from "./backup/format";
import { SnapshotService } from "./backup/service";
import { snapshotSync } from "./backup/sync";
import { PoaEngine, type EnginePool } from "./consensus/engine";
import { KeyGuardError, type KeyGuard } from "./consensus/keyGuard";
import { HeadCaller } from "./consensus/validators";
import { GasFreeGuard, GAS_RULES } from "./gasfree/guard";
import { UsageLedger } from "./gasfree/ledger";
import { GasPolicyView, type AbuseReason } from "./gasfree/policy";
import { addressOfKey } from "./consensus/crypto";
import { keccak256, makeCommon } from "./execution/common";
import { SenderRecovery } from "./execution/recovery";
import type { GenesisFile } from "./genesis/genesis";
import { PeerNetwork } from "./p2p/network";
import { AllowList } from "./rpc/allowList";
import { NodeBackend } from "./rpc/backend";
import { METHOD_NOT_FOUND, RpcError, SERVER_ERROR } from "./rpc/errors";
import { startRpcServer, type RpcServer } from "./rpc/server";
import type { NodeStatus, PeerInfo } from "./rpc/types";
import { PoolError, TxPool } from "./txpool";

/** The node's logger: JSON lines on stderr (stdout carries the ready line), at the configured level. */
export function nodeLogger(config: NodeConfig): Logger {
  return createLogger("node", { level: config.log.level, write: (line) => void process.stderr.write(line) });
}

export class LuniverseNode {
  private rpc: RpcServer | null = null;
  private txOutbox: Uint8Array[] = [];
  private txFlush: NodeJS.Timeout | null = null;
  private startedAt = Date.now();
  private txTimes: { t: number; n: number }[] = [];
  private readonly poolLog: Logger;
  /** The node's metrics (GET /metrics on the RPC port, followed by the RPC server's own). */
  readonly metricsRegistry = new Registry();
  private readonly gauges = {
    height: this.metricsRegistry.gauge("luniverse_block_height", "Height of the head block"),
    finalized: this.metricsRegistry.gauge("luniverse_finalized_height", "Height of the last final block"),
    peers: this.metricsRegistry.gauge("luniverse_peers", "Connected peers"),
    pending: this.metricsRegistry.gauge("luniverse_txpool_pending", "Executable transactions in the pool"),
    queued: this.metricsRegistry.gauge("luniverse_txpool_queued", "Transactions waiting for a nonce gap to close"),
    tps: this.metricsRegistry.gauge("luniverse_tps", "Transactions per second committed over the last 10 s"),
  };
  private readonly counters = {
    committedTxs: this.metricsRegistry.counter("luniverse_transactions_committed_total", "Transactions committed since start"),
    proposed: this.metricsRegistry.counter("luniverse_blocks_proposed_total", "Blocks this node proposed"),
    committed: this.metricsRegistry.counter("luniverse_blocks_committed_total", "Blocks committed since start"),
    missedRounds: this.metricsRegistry.counter("luniverse_missed_rounds_total", "Rounds that started without the previous proposer's block"),
    proposalTxsFetched: this.metricsRegistry.counter("luniverse_proposal_txs_fetched_total", "Transactions of peers' proposals this node lacked and fetched (proposal:txs)"),
    proposalsDropped: this.metricsRegistry.counter("luniverse_proposals_dropped_total", "Peers' proposals dropped because some of their transactions were found at no peer"),
    snapshots: this.metricsRegistry.counter("luniverse_snapshots_taken_total", "Snapshots of the database written since start (node/backup/)"),
    snapshotsFailed: this.metricsRegistry.counter("luniverse_snapshots_failed_total", "Snapshots that failed since start"),
  };
  private readonly keyMetrics = {
    signing: this.metricsRegistry.gauge("luniverse_validator_signing", "1 when this node signs with its validator key, 0 when it stands by or stood down (absent on a full node)"),
    absent: this.metricsRegistry.gauge("luniverse_validator_key_absent_blocks", "Committed blocks since the last one with this key's commit signature"),
    otherSigners: this.metricsRegistry.counter("luniverse_validator_other_signer_total", "Blocks that showed another node signing with this node's key (it stopped signing)"),
  };
  private readonly snapshotGauges = {
    seconds: this.metricsRegistry.gauge("luniverse_snapshot_last_duration_seconds", "Time the last snapshot took to write"),
    bytes: this.metricsRegistry.gauge("luniverse_snapshot_last_bytes", "Compressed size of the last snapshot"),
  };
  private readonly timing = {
    p50: this.metricsRegistry.gauge("luniverse_block_interval_seconds_p50", "Median interval between committed blocks"),
    p99: this.metricsRegistry.gauge("luniverse_block_interval_seconds_p99", "99th percentile interval between committed blocks"),
    uptime: this.metricsRegistry.gauge("luniverse_uptime_seconds", "Seconds since the node started"),
  };

  private constructor(
    readonly config: NodeConfig,
    readonly genesis: GenesisFile,
    readonly chain: Chain,
    readonly pool: TxPool,
    readonly net: PeerNetwork,
    readonly engine: PoaEngine,
    readonly backend: NodeBackend,
    readonly address: Hex | null,
    readonly log: Logger,
    private readonly recovery: SenderRecovery,
    /** The gas policy in force (a gas-free chain with contracts/gas/GasPolicy.sol in genesis), or null. */
    readonly gas: GasFreeGuard | null,
    /** Snapshots of the database (node/backup/): scheduled, on request, served to new nodes. */
    readonly snapshots: SnapshotService,
  ) {
    this.poolLog = log.child("pool");
    for (const c of Object.values(this.counters)) c.inc({}, 0);
    if (gas !== null) {
      for (const rule of GAS_RULES) this.gasMetrics.rejections.inc({ rule }, 0);
      this.gasMetrics.reports.inc({}, 0);
    }
  }

  private readonly gasMetrics = {
    rejections: this.metricsRegistry.counter("luniverse_gasfree_rejections_total", "Transactions refused by the gas policy, by rule"),
    throttled: this.metricsRegistry.gauge("luniverse_gasfree_throttled_accounts", "Accounts this node throttles for abuse in the current window"),
    reports: this.metricsRegistry.counter("luniverse_gasfree_reports_sent_total", "Abuser reports (reportAbusers transactions) this validator sent"),
    reported: this.metricsRegistry.counter("luniverse_gasfree_accounts_reported_total", "Accounts this validator reported as abusers"),
    blacklist: this.metricsRegistry.gauge("luniverse_gasfree_blacklist_size", "Accounts blacklisted on chain now"),
  };
  private blacklistSize = 0;

  static async start(config: NodeConfig, genesis: GenesisFile, opts: { log?: Logger; equivocate?: boolean } = {}): Promise<LuniverseNode> {
    const log = opts.log ?? nodeLogger(config);
    const chainId = BigInt(genesis.config.chainId);
    if (config.chainId !== 0n && config.chainId !== chainId) throw new NodeConfigError("CONFIG_INVALID", "chainId", `config chainId ${config.chainId} differs from the genesis chain id ${chainId}`);
    const common = makeCommon(chainId);
    const gasFree = genesis.config.gasFree === true || config.gasFree.enabled;
    const key = await loadValidatorKey(config);
    const address = key ? addressOfKey(key) : null;
    if (config.snapshots.syncFrom !== null) {
      // a new node of an existing chain: the peer's latest snapshot, proven and restored, then blocks from there
      await snapshotSync(config.snapshots.syncFrom, path.resolve(config.dataDir), { genesis, common, log: log.child("snapshot") });
    }
    const chain = await Chain.open(path.resolve(config.dataDir), genesis, common);
    const snapshots = new SnapshotService(chain, { ...config.snapshots, key, log: log.child("snapshot") });
    const baseFeePerGas = BigInt(genesis.baseFeePerGas);
    const sys = genesis.luniverse.systemContracts;
    // this node's builder limit (consensus.blockGasLimit, a local policy) never above the chain's; the pool admits what fits
    const genesisGasLimit = BigInt(genesis.gasLimit);
    const configured = config.consensus.blockGasLimit === null ? null : BigInt(config.consensus.blockGasLimit);
    const builderGasLimit = configured !== null && configured < genesisGasLimit ? configured : genesisGasLimit;

    // the pool reads accounts from the head state's flat view (execution/state.ts), moved on every commit
    const headState = (address: string) => chain.executor.head.headAccount(address);
    const pool = new TxPool(
      {
        chainId,
        maxSize: config.pool.maxSize,
        maxPerSender: config.pool.maxPerSender,
        priceBumpPercent: config.pool.priceBumpPercent,
        minGasPrice: config.pool.minGasPrice > baseFeePerGas ? config.pool.minGasPrice : baseFeePerGas,
        maxTxBytes: config.pool.maxTxBytes,
        blockGasLimit: builderGasLimit,
        baseFee: baseFeePerGas,
        gasFree: { enabled: gasFree, maxTxPerSenderPerMinute: config.gasFree.maxTxPerSenderPerMinute, minGasPrice: config.gasFree.minGasPrice },
      },
      { getAccount: headState },
    );
    const net = new PeerNetwork({
      listen: { host: config.p2p.host, port: config.p2p.port },
      peers: config.p2p.peers,
      chainId,
      genesisHash: chain.genesisHash,
      validatorAddress: address,
      maxPeers: config.p2p.maxPeers,
      maxMessageBytes: config.p2p.maxMessageBytes,
      log: loggerFunction(log.child("p2p")),
    });
    for (const t of ["proposal", "vote", "txs"]) net.registerGossip(t);

    // eslint-disable-next-line prefer-const
    let node: LuniverseNode;
    // a gas-free chain's gas policy (node/gasfree/): admission, block building, usage, abuse reports
    const policyAddress = (sys.GasPolicy as Hex | undefined)?.toLowerCase() as Hex | undefined;
    let guard: GasFreeGuard | null = null;
    if (gasFree && config.gasFree.policy) {
      if (policyAddress === undefined) log.warn("gas-free chain without a GasPolicy in genesis: only the per-sender rate limit applies");
      else {
        guard = new GasFreeGuard({
          policy: new GasPolicyView(new HeadCaller(chain.executor, () => chain.head), policyAddress),
          ledger: new UsageLedger(chain.level),
          pool: {
            pendingLists: (max) => pool.pendingLists(max),
            pooledGas: (a) => pool.pooledGas(a),
            nextNonce: (a) => pool.pendingNonce(a),
            submitLocal: async (tx) => void (await node.admit(tx)),
          },
          chain,
          validators: () => node?.engine.currentValidators ?? [],
          key,
          address,
          chainId,
          common,
          blockGasLimit: builderGasLimit,
          log: log.child("gasfree"),
        });
        const g = guard;
        pool.setAdmissionHook((tx, sender) => g.admission(tx, sender));
        chain.on("block", (c: { block: import("@ethereumjs/block").Block; receipts: import("./execution/executor").StoredReceipt[] }) => g.enqueueCommitted(c.block, c.receipts));
      }
    }
    const enginePool: EnginePool = {
      pending: (max) => pool.pending(max),
      onNewBlock: async (included, senders) => {
        await pool.onNewBlock(included.map((t) => bytesToHex(t.hash())), headState, { senders, baseFee: baseFeePerGas });
        node?.noteCommitted(included.length);
      },
      drop: (hashes) => void pool.remove(hashes),
      submitLocal: async (tx) => {
        await node.admit(tx);
      },
      nextNonce: (a) => pool.pendingNonce(a),
      get: (hash) => pool.get(hash),
    };
    const engine = new PoaEngine(chain, net, enginePool, {
      chainId,
      validatorSet: sys.ValidatorSet as Hex,
      slashing: sys.Slashing as Hex,
      key,
      address,
      blockPeriodMs: config.consensus.blockPeriodMs,
      proposalTimeoutMs: config.consensus.proposalTimeoutMs,
      maxTxsPerBlock: config.consensus.maxTxsPerBlock,
      baseFeePerGas,
      gasLimit: BigInt(genesis.gasLimit),
      blockGasLimit: builderGasLimit,
      proposalsByHash: config.consensus.proposalsByHash,
      selector: guard ?? undefined,
      equivocate: opts.equivocate,
      standby: config.standby,
      log: log.child("consensus"),
    });
    /** The key guard for an operator's call from this machine (a full node has none). */
    const adminKeyGuard = (method: string, remote: string | undefined): KeyGuard => {
      if (!isLoopback(remote)) throw new RpcError(SERVER_ERROR, `${method}: only callers on this machine may change who signs (${remote ?? "this client"} is not loopback)`);
      const guard = engine.keyGuard;
      if (guard === null) throw new RpcError(SERVER_ERROR, `${method}: this node has no validator key (a standby needs the validator's key source in "validator")`);
      return guard;
    };
    const backend = new NodeBackend({
      chain,
      chainId,
      baseFeePerGas,
      priorityFee: gasFree ? 0n : 1_000_000_000n,
      gasFree,
      validator: address,
      validatorsAt: (n) => engine.validatorsAt(n),
      admit: (tx) => node.admit(tx),
      poolGet: (h) => pool.get(h),
      pendingNonce: (a) => pool.pendingNonce(a),
      poolStats: () => pool.stats(),
      poolContent: () => pool.content(),
      slashing: sys.Slashing as Hex,
      isSyncing: () => engine.isSyncing,
      peers: () => net.peers(),
      metrics: () => node.metrics(),
      gas: guard ?? undefined,
      reportAbuse: guard === null ? undefined : abuseReports(guard, config.gasFree.abuseReportsFrom),
      backups: {
        backup: async (remote) => {
          if (!isLoopback(remote)) throw new RpcError(SERVER_ERROR, `luniverse_backup: only callers on this machine may take a snapshot (${remote ?? "this client"} is not loopback)`);
          try {
            return await snapshots.take();
          } catch (err) {
            if (err instanceof SnapshotError) throw new RpcError(SERVER_ERROR, `luniverse_backup: ${err.message}`);
            throw err;
          }
        },
        snapshots: () => snapshots.list(),
        httpGet: (p, res, head) => snapshots.serveHttp(p, res, head),
      },
      keyGuard: {
        status: () => engine.keyGuard?.status() ?? null,
        takeover: async (record, remote) => {
          const guard = adminKeyGuard("luniverse_takeover", remote);
          try {
            return await guard.takeover(record);
          } catch (err) {
            if (err instanceof KeyGuardError) throw new RpcError(SERVER_ERROR, `luniverse_takeover: ${err.message}`);
            throw err;
          }
        },
        standDown: (remote) => adminKeyGuard("luniverse_standDown", remote).standDown(),
      },
    });
    node = new LuniverseNode(config, genesis, chain, pool, net, engine, backend, address, log, new SenderRecovery(config.pool.recoveryWorkers), guard, snapshots);

    net.on("message", (_peer, type, payload) => {
      if (type === "txs" && Array.isArray(payload)) void node.onGossipTxs(payload); // hex in JSON, from nodes before binary frames
    });
    net.on("bytes", (_peer: string, type: string, items: Uint8Array[]) => {
      if (type === "txs") void node.onGossipTxs(items);
    });
    chain.on("block", () => net.setStatus({ height: chain.height, finalized: chain.height }));
    await guard?.start();
    snapshots.start();
    await net.start();
    net.setStatus({ height: chain.height, finalized: chain.height });
    await engine.start();
    if (config.rpc.enabled) {
      node.rpc = await startRpcServer(backend, {
        host: config.rpc.host,
        port: config.rpc.port,
        maxRequestBytes: config.rpc.maxRequestBytes,
        maxBatch: config.rpc.maxBatch,
        allowFrom: config.rpc.allowFrom,
        log: log.child("rpc"),
      });
    }
    log.info("node started", {
      chainId: chainId.toString(),
      genesis: chain.genesisHash,
      height: chain.height.toString(),
      validator: address,
      rpc: node.rpc?.url ?? null,
      p2p: net.url,
    });
    return node;
  }

  get rpcUrl(): string | null {
    return this.rpc?.url ?? null;
  }
  get wsUrl(): string | null {
    return this.rpc?.wsUrl ?? null;
  }
  get p2pUrl(): string | null {
    return this.net.url;
  }

  /** Admits a transaction from RPC or the node itself and gossips it; throws the pool's refusal (PoolError). */
  async admit(tx: TypedTransaction): Promise<Hex> {
    await this.recovery.recover(tx);
    let hash: Hex;
    try {
      hash = await this.pool.add(tx);
    } catch (err) {
      // the pool's rate limit counts as a refused submission for abuse detection (the policy's own refusals count there)
      if (this.gas !== null && err instanceof PoolError && err.reason === "RATE_LIMITED") this.gas.noteRejection(tx.getSenderAddress().toString() as Hex);
      throw err;
    }
    if (this.net.peers().length > 0) {
      this.txOutbox.push(tx.serialize());
      this.txFlush ??= setTimeout(() => this.flushTxs(), 20);
    }
    return hash;
  }

  private flushTxs(): void {
    this.txFlush = null;
    while (this.txOutbox.length > 0) this.net.broadcastBytes("txs", this.txOutbox.splice(0, 500), { relay: true });
  }

  /** Transactions from a peer: raw bytes (binary frames) or 0x-hex strings (JSON, from older nodes). */
  private async onGossipTxs(raws: readonly unknown[]): Promise<void> {
    const txs: TypedTransaction[] = [];
    for (const raw of raws) {
      if (typeof raw !== "string" && !(raw instanceof Uint8Array)) continue;
      try {
        // a transaction's hash is the keccak-256 of its bytes: a known one is dropped before it is decoded
        const bytes = typeof raw === "string" ? hexToBytes(raw as Hex) : raw;
        const hash = keccak256(bytes);
        if (!this.pool.has(bytesToHex(hash))) txs.push(this.engine.decodeTx(bytes, hash));
      } catch (err) {
        this.poolLog.debug("undecodable gossiped transaction", { error: err });
      }
    }
    await Promise.all(txs.map((tx) => this.recovery.recover(tx)));
    for (const tx of txs) {
      try {
        await this.pool.add(tx);
      } catch (err) {
        // already known, stale or refused: the pool said why; gossip is best effort. Anything else is worth a look.
        if (!(err instanceof PoolError)) this.poolLog.debug("gossiped transaction not admitted", { error: err });
      }
    }
  }

  private noteCommitted(n: number): void {
    this.counters.committedTxs.inc({}, n);
    const now = Date.now();
    this.txTimes.push({ t: now, n });
    while (this.txTimes.length > 0 && this.txTimes[0]!.t < now - 10_000) this.txTimes.shift();
  }

  status(): NodeStatus {
    return this.backend.status();
  }

  peers(): PeerInfo[] {
    return this.backend.peers();
  }

  /** The node's Prometheus exposition: the gauges are sampled now. */
  metrics(): string {
    const s = this.pool.stats();
    const intervals = [...this.engine.stats.intervals].sort((a, b) => a - b);
    const pct = (p: number) => (intervals.length === 0 ? 0 : intervals[Math.min(intervals.length - 1, Math.floor((p / 100) * intervals.length))]! / 1000);
    const window = this.txTimes.reduce((a, x) => a + x.n, 0);
    const height = Number(this.chain.height);
    this.gauges.height.set({}, height);
    this.gauges.finalized.set({}, height);
    this.gauges.peers.set({}, this.net.peers().length);
    this.gauges.pending.set({}, s.pending);
    this.gauges.queued.set({}, s.queued);
    this.gauges.tps.set({}, window / 10);
    catchUp(this.counters.proposed, this.engine.stats.proposed);
    catchUp(this.counters.committed, this.engine.stats.committed);
    catchUp(this.counters.missedRounds, this.engine.stats.missedRounds);
    catchUp(this.counters.proposalTxsFetched, this.engine.proposalStats.fetched);
    catchUp(this.counters.proposalsDropped, this.engine.proposalStats.dropped);
    const guard = this.engine.keyGuard;
    if (guard !== null) {
      const st = guard.status();
      this.keyMetrics.signing.set({}, st.active ? 1 : 0);
      this.keyMetrics.absent.set({}, st.absentBlocks);
      catchUp(this.keyMetrics.otherSigners, guard.stats.otherSigners);
    }
    catchUp(this.counters.snapshots, this.snapshots.stats.taken);
    catchUp(this.counters.snapshotsFailed, this.snapshots.stats.failed);
    this.snapshotGauges.seconds.set({}, this.snapshots.stats.lastMs / 1000);
    this.snapshotGauges.bytes.set({}, this.snapshots.stats.lastBytes);
    this.timing.p50.set({}, pct(50));
    this.timing.p99.set({}, pct(99));
    this.timing.uptime.set({}, (Date.now() - this.startedAt) / 1000);
    if (this.gas !== null) {
      for (const [rule, n] of this.gas.rejections) catchUp(this.gasMetrics.rejections, n, { rule });
      catchUp(this.gasMetrics.reports, this.gas.reportsSent);
      catchUp(this.gasMetrics.reported, this.gas.accountsReported);
      this.gasMetrics.throttled.set({}, this.gas.throttledCount);
      this.gasMetrics.blacklist.set({}, this.blacklistSize);
      // the on-chain count is a call: refreshed in the background, exposed at the next scrape
      void this.gas.blacklistSize().then((n) => (this.blacklistSize = n)).catch(() => undefined);
    }
    return this.metricsRegistry.expose();
  }

  async stop(): Promise<void> {
    this.engine.stop();
    if (this.txFlush) clearTimeout(this.txFlush);
    await this.gas?.stop();
    await this.rpc?.close();
    await this.snapshots.stop();
    await this.net.stop();
    await this.recovery.close();
    await this.chain.close();
    this.log.info("node stopped", { height: this.chain.height.toString() });
  }
}

/** Whether a caller's address is this machine's (IPv4 127/8, IPv6 ::1, or IPv4-mapped loopback). */
function isLoopback(remote: string | undefined): boolean {
  if (remote === undefined) return false;
  const a = remote.startsWith("::ffff:") ? remote.slice(7) : remote;
  return a === "::1" || /^127\.[0-9]+\.[0-9]+\.[0-9]+$/.test(a);
}

/** A counter kept elsewhere (the engine's stats) brought up to `value`. */
function catchUp(counter: Counter, value: number, labels: Record<string, string> = {}): void {
  counter.inc(labels, Math.max(0, value - counter.get(labels))); // by 0 too: a counter still at zero is exposed as 0
}

/** The peer layer's logger shape — one function taking the level — over a structured logger. */
function loggerFunction(log: Logger): (level: "debug" | "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) => void {
  return (level, msg, fields) => log[level](msg, fields);
}

/**
 * `luniverse_reportAbuse` on a gas-free node: reports from the addresses in `gasFree.abuseReportsFrom` (the gateway)
 * are taken as this node's own abuse detection; from anyone else, or when the list is empty, they are refused.
 */
function abuseReports(guard: GasFreeGuard, from: string[] | null): (account: Hex, reason: string, remote: string | undefined) => unknown {
  const allowed = from === null ? null : new AllowList(from);
  return (account, reason, remote) => {
    if (allowed === null) throw new RpcError(METHOD_NOT_FOUND, "luniverse_reportAbuse: this node takes no abuse reports (set gasFree.abuseReportsFrom to the gateway's addresses)");
    if (!allowed.allows(remote)) throw new RpcError(SERVER_ERROR, `luniverse_reportAbuse: reports from ${remote ?? "this client"} are not accepted (not in gasFree.abuseReportsFrom)`);
    const r = guard.reportExternal(account, reason as AbuseReason);
    return { account: account.toLowerCase(), reason, throttled: r.throttled, reporting: r.reporting };
  };
}
