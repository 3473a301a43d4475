/**
 * A Luniverse node: chain + pool + peers + consensus + JSON-RPC, wired together.
 *
 *   const node = await LuniverseNode.start(config, genesis);   // config from node/config.ts
 *   node.rpcUrl  // http://127.0.0.1:8545
 *   await node.stop();
 */
import path from "node:path";
import { readFileSync } from "node:fs";
import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import { Wallet } from "ethers";
import { makeCommon } from "./common";
import type { NodeConfig } from "./config";
import { Chain } from "./chain/chain";
import { PoaEngine, threshold, type EnginePool } from "./consensus/engine";
import { addressOfPrivateKey } from "./consensus/crypto";
import type { GenesisFile } from "./genesis/genesis";
import { NodeBackend } from "./backend";
import { PeerNetwork } from "./p2p/network";
import { TxPool, PoolError } from "./txpool";
import { startRpcServer, type RpcServer } from "./rpc/server";
import { RpcError, type Hex, type NodeStatus, type PeerInfo } from "./types";

export type NodeLogger = (level: "debug" | "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;

export function jsonLogger(component: string, min: keyof typeof LEVELS, write: (line: string) => void = (l) => process.stderr.write(l + "\n")): NodeLogger {
  return (level, msg, fields) => {
    if (LEVELS[level] < LEVELS[min]) return;
    write(JSON.stringify({ t: new Date().toISOString(), level, component, msg, ...fields }));
  };
}

/** Reads the validator key the config points at: an encrypted keystore, or (development) an environment variable. */
export async function loadValidatorKey(config: NodeConfig): Promise<Uint8Array | null> {
  const v = config.validator;
  if (v === null) return null;
  if (v.keystore) {
    const password = process.env[v.passwordEnv];
    if (password === undefined) throw new Error(`validator.keystore is set but the password variable ${v.passwordEnv} is not: export it before starting the node`);
    let json: string;
    try {
      json = readFileSync(v.keystore, "utf8");
    } catch (err) {
      throw new Error(`cannot read the validator keystore ${v.keystore}: ${(err as Error).message}`);
    }
    try {
      const w = await Wallet.fromEncryptedJson(json, password);
      return hexToBytes(w.privateKey as Hex);
    } catch (err) {
      throw new Error(`cannot decrypt the validator keystore ${v.keystore}: ${(err as Error).message} (wrong password in ${v.passwordEnv}?)`);
    }
  }
  if (v.privateKeyEnv) {
    const raw = process.env[v.privateKeyEnv];
    if (!raw || !/^(0x)?[0-9a-fA-F]{64}$/.test(raw)) throw new Error(`validator.privateKeyEnv names ${v.privateKeyEnv}, which does not hold a 32-byte hex private key`);
    return hexToBytes((raw.startsWith("0x") ? raw : "0x" + raw) as Hex);
  }
  throw new Error("validator: set keystore (with its password variable) or privateKeyEnv, or set validator to null for a full node");
}

export class LuniverseNode {
  private rpc: RpcServer | null = null;
  private txOutbox: string[] = [];
  private txFlush: NodeJS.Timeout | null = null;
  private startedAt = Date.now();
  private committedTxs = 0;
  private txTimes: { t: number; n: number }[] = [];

  private constructor(
    readonly config: NodeConfig,
    readonly genesis: GenesisFile,
    readonly chain: Chain,
    readonly pool: TxPool,
    readonly net: PeerNetwork,
    readonly engine: PoaEngine,
    readonly backend: NodeBackend,
    readonly address: Hex | null,
    readonly log: NodeLogger,
  ) {}

  static async start(config: NodeConfig, genesis: GenesisFile, opts: { log?: NodeLogger; equivocate?: boolean } = {}): Promise<LuniverseNode> {
    const log = opts.log ?? jsonLogger("node", config.log.level);
    const chainId = BigInt(genesis.config.chainId);
    if (config.chainId !== 0n && config.chainId !== chainId) throw new Error(`config chainId ${config.chainId} differs from the genesis chain id ${chainId}`);
    const common = makeCommon(chainId);
    const gasFree = genesis.config.gasFree === true || config.gasFree.enabled;
    const key = await loadValidatorKey(config);
    const address = key ? addressOfPrivateKey(key) : null;
    const chain = await Chain.open(path.resolve(config.dataDir), genesis, common);
    const baseFeePerGas = BigInt(genesis.baseFeePerGas);
    const sys = genesis.luniverse.systemContracts;

    // the pool reads accounts from the head state: one cached state manager per head
    let head: { root: Uint8Array; state: ReturnType<typeof chain.executor.stateAt> } | null = null;
    const headState = async (address: string) => {
      const root = chain.head.header.stateRoot;
      if (head === null || head.root !== root) head = { root, state: chain.executor.stateAt(root) };
      const a = await head.state.getAccount(createAddressFromString(address));
      return { nonce: a?.nonce ?? 0n, balance: a?.balance ?? 0n };
    };
    const pool = new TxPool(
      {
        chainId,
        maxSize: config.pool.maxSize,
        maxPerSender: config.pool.maxPerSender,
        priceBumpPercent: config.pool.priceBumpPercent,
        minGasPrice: config.pool.minGasPrice > baseFeePerGas ? config.pool.minGasPrice : baseFeePerGas,
        maxTxBytes: config.pool.maxTxBytes,
        blockGasLimit: BigInt(genesis.gasLimit),
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
      log: (level, msg, fields) => log(level, msg, { ...fields, part: "p2p" }),
    });
    for (const t of ["proposal", "vote", "txs"]) net.registerGossip(t);

    // eslint-disable-next-line prefer-const
    let node: LuniverseNode;
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
      equivocate: opts.equivocate,
      log: (level, msg, fields) => log(level, msg, { ...fields, part: "consensus" }),
    });
    const backend = new NodeBackend({
      chain,
      chainId,
      baseFeePerGas,
      priorityFee: gasFree ? 0n : 1_000_000_000n,
      gasFree,
      validatorsAt: (n) => engine.validatorsAt(n),
      admit: (tx) => node.admit(tx),
      poolGet: (h) => pool.get(h),
      pendingNonce: (a) => pool.pendingNonce(a),
      status: () => node.status(),
      peers: () => node.peers(),
      metrics: () => node.metrics(),
    });
    node = new LuniverseNode(config, genesis, chain, pool, net, engine, backend, address, log);

    net.on("message", (_peer, type, payload) => {
      if (type === "txs" && Array.isArray(payload)) void node.onGossipTxs(payload as string[]);
    });
    chain.on("block", () => net.setStatus({ height: chain.height, finalized: chain.height }));
    await net.start();
    net.setStatus({ height: chain.height, finalized: chain.height });
    await engine.start();
    if (config.rpc.enabled) {
      node.rpc = await startRpcServer(backend, {
        host: config.rpc.host,
        port: config.rpc.port,
        maxRequestBytes: config.rpc.maxRequestBytes,
        maxBatch: config.rpc.maxBatch,
        log: (level, msg, fields) => log(level, msg, { ...fields, part: "rpc" }),
      });
    }
    log("info", "node started", {
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

  /** Admits a transaction from RPC or the node itself and gossips it. */
  async admit(tx: TypedTransaction): Promise<Hex> {
    let hash: Hex;
    try {
      hash = await this.pool.add(tx);
    } catch (err) {
      if (err instanceof PoolError || err instanceof RpcError) throw err;
      throw new RpcError(-32000, (err as Error).message);
    }
    if (this.net.peers().length > 0) {
      this.txOutbox.push(bytesToHex(tx.serialize()));
      this.txFlush ??= setTimeout(() => this.flushTxs(), 20);
    }
    return hash;
  }

  private flushTxs(): void {
    this.txFlush = null;
    while (this.txOutbox.length > 0) this.net.broadcast("txs", this.txOutbox.splice(0, 500), { relay: true });
  }

  private async onGossipTxs(raws: string[]): Promise<void> {
    for (const raw of raws) {
      if (typeof raw !== "string") continue;
      try {
        const tx = this.engine.decodeTx(hexToBytes(raw as Hex));
        await this.pool.add(tx);
      } catch {
        // already known, stale or invalid: the pool said why; gossip is best effort
      }
    }
  }

  private noteCommitted(n: number): void {
    this.committedTxs += n;
    const now = Date.now();
    this.txTimes.push({ t: now, n });
    while (this.txTimes.length > 0 && this.txTimes[0]!.t < now - 10_000) this.txTimes.shift();
  }

  status(): NodeStatus {
    const s = this.pool.stats();
    return {
      chainId: `0x${BigInt(this.genesis.config.chainId).toString(16)}`,
      genesisHash: this.chain.genesisHash,
      height: `0x${this.chain.height.toString(16)}`,
      finalizedHeight: `0x${this.chain.height.toString(16)}`,
      validator: this.address,
      syncing: this.engine.isSyncing,
      peers: this.net.peers().length,
      txPool: { pending: s.pending, queued: s.queued },
      gasFree: this.genesis.config.gasFree === true || this.config.gasFree.enabled,
    };
  }

  peers(): PeerInfo[] {
    return this.net.peers().map((p) => ({ id: p.id, address: p.address, url: p.url, direction: p.direction, height: p.height }));
  }

  metrics(): string {
    const s = this.pool.stats();
    const intervals = [...this.engine.stats.intervals].sort((a, b) => a - b);
    const pct = (p: number) => (intervals.length === 0 ? 0 : intervals[Math.min(intervals.length - 1, Math.floor((p / 100) * intervals.length))]! / 1000);
    const window = this.txTimes.reduce((a, x) => a + x.n, 0);
    const lines = [
      ["luniverse_block_height", "gauge", "Height of the head block", this.chain.height],
      ["luniverse_finalized_height", "gauge", "Height of the last final block", this.chain.height],
      ["luniverse_peers", "gauge", "Connected peers", this.net.peers().length],
      ["luniverse_txpool_pending", "gauge", "Executable transactions in the pool", s.pending],
      ["luniverse_txpool_queued", "gauge", "Transactions waiting for a nonce gap to close", s.queued],
      ["luniverse_tps", "gauge", "Transactions per second committed over the last 10 s", window / 10],
      ["luniverse_transactions_committed_total", "counter", "Transactions committed since start", this.committedTxs],
      ["luniverse_blocks_proposed_total", "counter", "Blocks this node proposed", this.engine.stats.proposed],
      ["luniverse_blocks_committed_total", "counter", "Blocks committed since start", this.engine.stats.committed],
      ["luniverse_missed_rounds_total", "counter", "Rounds that started without the previous proposer's block", this.engine.stats.missedRounds],
      ["luniverse_block_interval_seconds_p50", "gauge", "Median interval between committed blocks", pct(50)],
      ["luniverse_block_interval_seconds_p99", "gauge", "99th percentile interval between committed blocks", pct(99)],
      ["luniverse_uptime_seconds", "gauge", "Seconds since the node started", (Date.now() - this.startedAt) / 1000],
    ] as const;
    return lines.map(([name, type, help, v]) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${v}`).join("\n") + "\n";
  }

  async stop(): Promise<void> {
    this.engine.stop();
    if (this.txFlush) clearTimeout(this.txFlush);
    await this.rpc?.close();
    await this.net.stop();
    await this.chain.close();
    this.log("info", "node stopped", { height: this.chain.height.toString() });
  }
}

export { threshold };
