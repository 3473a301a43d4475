import path from "node:path";
import { ZeroHash, getAddress, toBeHex, zeroPadValue, type JsonRpcProvider, type Log, type TransactionResponse, type Wallet, type HDNodeWallet } from "ethers";
import { connect } from "../../lib/chain";
import { Cursor, CursorError } from "../../lib/cursor";
import { createLogger, type Logger } from "../../lib/log";
import { Registry, serveMetrics, type MetricsServer } from "../../lib/metrics";
import { backoffDelay, sleep } from "../../lib/retry";
import { loadKeystore } from "../../lib/keystore";
import { openHsmSigner, type HsmSigner } from "../../lib/hsmSigner";
import { findBridgeAddress, findOwnerSyncAddresses, keystoreFile, RelayerConfigError, type OwnerSyncAddresses, type RelayerOptions } from "./config";

import type { MainBridge, NodeOwnerSync, ProductBridge, ProductChainRegistry } from "../../typechain-types";
import { typechain } from "../../lib/typechain";
import { LuniverseError } from "../../lib/errors";
import { decodeCustomError } from "../../lib/revert";

/** Which way an operation travels: a main-chain deposit confirmed on the product chain, or the reverse. */
export type Direction = "deposits" | "redeems";

/** What a relayer loop does: one bridge direction, or carrying the main chain's node-owner swaps to NodeOwnerSync. */
export type Duty = Direction | "ownerSwaps";

/** A node-owner swap of this product chain that the main chain's ProductChainRegistry made (`NodeOwnerSwapped`). */
export interface OwnerSwap {
  ownersNonce: bigint;
  oldOwner: string;
  newOwner: string;
  blockNumber: number;
  txHash: string;
}

/** An operation announced on the source chain, exactly as its event says. */
export interface BridgeOperation {
  id: string;
  pairId: string;
  recipient: string;
  /** Main-token units: what both `confirmDeposit` and `confirmWithdrawal` take. */
  mainAmount: bigint;
  /** Chain the event names as destination. */
  destinationChainId: bigint;
  blockNumber: number;
  txHash: string;
}

/** What the cursor file holds. */
export interface RelayerState {
  version: 1;
  signer: string;
  main: { chainId: string; bridge: string };
  product: { chainId: string; bridge: string };
  /** Next block to scan on the source chain of each direction. */
  deposits: { next: number };
  redeems: { next: number };
  /** The node-owner duty, when on: next main-chain block to scan, and the contracts it was written for. */
  ownerSwaps?: { next: number } & OwnerSyncAddresses;
}

/** Metrics of one relayer. */
export interface RelayerMetrics {
  registry: Registry;
  eventsSeen: ReturnType<Registry["counter"]>;
  confirmationsSent: ReturnType<Registry["counter"]>;
  skipped: ReturnType<Registry["counter"]>;
  errors: ReturnType<Registry["counter"]>;
  lag: ReturnType<Registry["gauge"]>;
  head: ReturnType<Registry["gauge"]>;
  cursor: ReturnType<Registry["gauge"]>;
}

function makeMetrics(signer: number, address: string): RelayerMetrics {
  const registry = new Registry({ signer: String(signer) });
  registry.gauge("relayer_info", "Relayer identity (value 1)").set({ address }, 1);
  return {
    registry,
    eventsSeen: registry.counter("relayer_events_seen_total", "Bridge events read at confirmation depth"),
    confirmationsSent: registry.counter("relayer_confirmations_sent_total", "Confirmations mined on the destination bridge"),
    skipped: registry.counter("relayer_confirmations_skipped_total", "Events not confirmed by this signer, by reason"),
    errors: registry.counter("relayer_errors_total", "Failed rounds (RPC errors, chain down, reverts), by kind"),
    lag: registry.gauge("relayer_lag_blocks", "Blocks between the source chain head and the cursor"),
    head: registry.gauge("relayer_head_block", "Latest block of each chain"),
    cursor: registry.gauge("relayer_cursor_block", "Next block each direction scans"),
  };
}

const REVERTS_MEANING_DONE = new Set(["BridgeAlreadySettled", "BridgeAlreadyConfirmed"]);
/**
 * Gas added to a confirmation's estimate. The estimate is made before the other signers' confirmations land, so it
 * prices a plain vote; whichever confirmation lands as the threshold-th also settles (mints or releases the tokens)
 * or, for a node-owner swap, applies the swap to the validator set. Several signers send in the same block, so any of
 * them may be that one: each carries room for the deciding path (unused gas is not charged).
 */
export const CONFIRMATION_GAS_ALLOWANCE = { bridge: 200_000n, ownerSwap: 500_000n } as const;
/** Round failures that only governance lifts (a product chain suspended on the main chain): retried at the slowest pace. */
const KINDS_MEANING_HELD = new Set(["revert_MainBridgeChainNotActive"]);

/** A relayer round that must be retried (the message says why). */
export class RelayerRoundError extends LuniverseError<"RELAYER_ROUND"> {
  override name = "RelayerRoundError";
  constructor(
    message: string,
    readonly kind: string,
  ) {
    super("RELAYER_ROUND", message);
  }
}

interface Side {
  name: "main" | "product";
  url: string;
  provider: JsonRpcProvider;
  chainId: bigint;
}

/**
 * One bridge signer: watches `Deposited` on the main bridge and `Redeemed` on the product bridge, and after
 * `confirmations` blocks confirms each on the other side — exactly the event's (pair, recipient, amount), read
 * from blocks at that depth. Progress is a cursor on disk; before confirming, the destination bridge's status and
 * this signer's `confirmedData` are checked, so a restart never re-sends a confirmation the contract counts.
 *
 * With a NodeOwnerSync on the product chain (`--owner-sync` or its manifest) it also carries node-owner governance:
 * each `NodeOwnerSwapped` of this product chain on the main chain's ProductChainRegistry, at the same depth, becomes
 * this signer's `confirmSwap` on the NodeOwnerSync, with its own cursor and the same restart checks.
 */
export class Relayer {
  readonly log: Logger;
  metrics!: RelayerMetrics;
  wallet!: Wallet | HDNodeWallet | HsmSigner;
  address!: string;
  main!: Side;
  product!: Side;
  mainBridge!: MainBridge;
  productBridge!: ProductBridge;
  cursor!: Cursor<RelayerState>;
  /** The node-owner duty's contracts (undefined: the duty is off). */
  ownerSync?: NodeOwnerSync;
  chainRegistry?: ProductChainRegistry;
  /** The last round sending on each chain: rounds that send on one chain take turns. */
  private readonly turns = new Map<Side["name"], Promise<unknown>>();
  private metricsServer?: MetricsServer;
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(
    readonly options: RelayerOptions,
    log?: Logger,
  ) {
    this.log = log ?? createLogger("relayer", { fields: { signer: options.signer } });
  }

  /** Loads the key, connects to both chains, checks the signer sets, opens the cursor and the metrics endpoint. */
  async init(): Promise<void> {
    const o = this.options;
    const file = o.hsm ? `HSM key "${o.hsm.key}" of token "${o.hsm.token}"` : keystoreFile(o);
    this.wallet = o.hsm ? openHsmSigner(o.hsm) : await loadKeystore(file, { passwordEnv: o.passwordEnv });
    this.address = await this.wallet.getAddress();
    const main = await connect(o.mainRpc, { name: "main chain", pollingIntervalMs: o.pollIntervalMs });
    const product = await connect(o.productRpc, { name: "product chain", pollingIntervalMs: o.pollIntervalMs });
    this.main = { name: "main", url: o.mainRpc, ...main };
    this.product = { name: "product", url: o.productRpc, ...product };
    if (main.chainId === product.chainId) {
      throw new RelayerConfigError(`--main-rpc and --product-rpc are the same chain (${main.chainId}); the relayer bridges two different chains`);
    }
    const mainAddr = findBridgeAddress("MainBridge", main.chainId, o.mainBridge, o.mainManifest, o.deploymentsDir);
    const productAddr = findBridgeAddress("ProductBridge", product.chainId, o.productBridge, o.productManifest, o.deploymentsDir);
    for (const [side, addr] of [
      [this.main, mainAddr],
      [this.product, productAddr],
    ] as const) {
      if ((await side.provider.getCode(addr)) === "0x") {
        throw new RelayerConfigError(`no contract at ${addr} on the ${side.name} chain (${side.url}); the chain was reset or the manifest is stale: deploy again`);
      }
    }
    this.mainBridge = typechain().MainBridge__factory.connect(mainAddr, this.wallet.connect(main.provider));
    this.productBridge = typechain().ProductBridge__factory.connect(productAddr, this.wallet.connect(product.provider));
    for (const [name, bridge] of [
      ["MainBridge", this.mainBridge],
      ["ProductBridge", this.productBridge],
    ] as const) {
      if (!(await bridge.isSigner(this.address))) {
        const list = await bridge.signers();
        throw new RelayerConfigError(
          `keystore ${file} holds ${this.address}, which is not a signer of the ${name} at ${await bridge.getAddress()} ` +
            `(signers: ${list.join(", ")}); use the keystore of a current signer, or have governance add it (setSigners)`,
        );
      }
    }
    const ownerSwaps = await this.connectOwnerSync(productAddr);
    const initial: RelayerState = {
      version: 1,
      signer: this.address,
      main: { chainId: main.chainId.toString(), bridge: mainAddr },
      product: { chainId: product.chainId.toString(), bridge: productAddr },
      deposits: { next: o.mainStartBlock },
      redeems: { next: o.productStartBlock },
    };
    const stateFile = path.join(o.stateDir, `signer-${o.signer}-${main.chainId}-${product.chainId}.json`);
    this.cursor = new Cursor<RelayerState>(stateFile, {
      initial,
      validate: (v) => {
        const s = v as RelayerState;
        if (s.version !== 1 || typeof s.deposits?.next !== "number" || typeof s.redeems?.next !== "number") throw new Error("unknown format");
        if (s.signer !== this.address) throw new Error(`written by signer ${s.signer}, this keystore is ${this.address}`);
        if (s.main.bridge !== mainAddr || s.product.bridge !== productAddr) {
          throw new Error(`written for bridges ${s.main.bridge} / ${s.product.bridge}, now ${mainAddr} / ${productAddr} (redeployed? move the file away)`);
        }
        return s;
      },
    });
    this.cursor.save(this.cursor.get()); // the file exists (and is checked) from the first start on
    this.adoptOwnerSwapsCursor(ownerSwaps);
    this.metrics = makeMetrics(o.signer, this.address);
    if (o.metricsPort !== undefined) this.metricsServer = await serveMetrics(this.metrics.registry, o.metricsPort);
    const st = this.cursor.get();
    this.log.info("relayer started", {
      address: this.address,
      main: { url: o.mainRpc, chainId: main.chainId, bridge: mainAddr },
      product: { url: o.productRpc, chainId: product.chainId, bridge: productAddr },
      confirmations: o.confirmations,
      cursor: { file: stateFile, deposits: st.deposits.next, redeems: st.redeems.next },
      metricsPort: this.metricsServer?.port,
    });
    if (ownerSwaps) this.log.info("carrying node-owner swaps", { ...ownerSwaps, productChainId: product.chainId, cursor: this.cursor.get().ownerSwaps!.next });
  }

  /** The port metrics are served on (when enabled). */
  get metricsPort(): number | undefined {
    return this.metricsServer?.port;
  }

  /** Runs both directions (and the node-owner duty when on) until {@link stop}. */
  async run(): Promise<void> {
    const duties: Duty[] = ["deposits", "redeems", ...(this.ownerSync ? (["ownerSwaps"] as const) : [])];
    this.loops = duties.map((d) => this.loop(d));
    await Promise.all(this.loops);
  }

  /** Stops after the current round; closes the metrics endpoint and the providers. */
  async stop(): Promise<void> {
    this.abort.abort(new Error("stopped"));
    await Promise.allSettled(this.loops);
    await this.metricsServer?.close();
    this.main?.provider.destroy();
    this.product?.provider.destroy();
    this.log.info("relayer stopped");
  }

  private async loop(direction: Duty): Promise<void> {
    const log = this.log.child(direction);
    let failures = 0;
    while (!this.abort.signal.aborted) {
      let more = false;
      try {
        more = await this.roundOf(direction, log);
        if (failures > 0) log.info("recovered", { after: failures });
        failures = 0;
      } catch (e) {
        if (this.abort.signal.aborted) break;
        failures++;
        const kind = e instanceof RelayerRoundError ? e.kind : "rpc";
        this.metrics.errors.inc({ direction, kind });
        const held = KINDS_MEANING_HELD.has(kind);
        const delayMs = held ? this.options.maxBackoffMs : backoffDelay(failures, { initialDelayMs: Math.min(500, this.options.pollIntervalMs), maxDelayMs: this.options.maxBackoffMs });
        if (held) log.warn((e as Error).message, { kind, attempt: failures, retryInMs: delayMs });
        else log.warn("round failed; retrying", { kind, error: e, attempt: failures, retryInMs: delayMs });
        await sleep(delayMs, this.abort.signal).catch(() => undefined);
        continue;
      }
      if (!more) await sleep(this.options.pollIntervalMs, this.abort.signal).catch(() => undefined);
    }
  }

  private sides(direction: Direction): { source: Side; target: Side } {
    return direction === "deposits" ? { source: this.main, target: this.product } : { source: this.product, target: this.main };
  }

  /** Reads the operations announced in [from, to] on the source bridge. */
  async readOperations(direction: Direction, from: number, to: number): Promise<BridgeOperation[]> {
    const { source } = this.sides(direction);
    const logs: Log[] = [];
    const bridge = direction === "deposits" ? this.mainBridge : this.productBridge;
    const event = direction === "deposits" ? this.mainBridge.interface.getEvent("Deposited") : this.productBridge.interface.getEvent("Redeemed");
    const address = await bridge.getAddress();
    for (let f = from; f <= to; f += this.options.blockChunk) {
      const t = Math.min(to, f + this.options.blockChunk - 1);
      logs.push(...(await source.provider.getLogs({ address, topics: [event.topicHash], fromBlock: f, toBlock: t })));
    }
    logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
    return logs.map((l) => {
      if (l.blockNumber > to || l.removed) throw new RelayerRoundError(`log outside the confirmed range (block ${l.blockNumber})`, "reorg");
      if (direction === "deposits") {
        const a = this.mainBridge.interface.decodeEventLog("Deposited", l.data, l.topics);
        return { id: a.depositId as string, pairId: a.pairId as string, recipient: a.recipient as string, mainAmount: a.mainAmount as bigint, destinationChainId: a.productChainId as bigint, blockNumber: l.blockNumber, txHash: l.transactionHash };
      }
      const a = this.productBridge.interface.decodeEventLog("Redeemed", l.data, l.topics);
      return { id: a.redeemId as string, pairId: a.pairId as string, recipient: a.recipient as string, mainAmount: a.mainAmount as bigint, destinationChainId: a.mainChainId as bigint, blockNumber: l.blockNumber, txHash: l.transactionHash };
    });
  }

  /** One scan of a direction; returns true when more confirmed blocks are waiting. */
  private async round(direction: Direction, log: Logger): Promise<boolean> {
    const { source, target } = this.sides(direction);
    const m = this.metrics;
    const head = await source.provider.getBlockNumber();
    m.head.set({ chain: source.name }, head);
    const safe = head - this.options.confirmations + 1;
    const from = this.cursor.get()[direction].next;
    m.cursor.set({ direction }, from);
    m.lag.set({ direction }, Math.max(0, head - from + 1));
    if (from > safe) return false;
    const to = Math.min(safe, from + this.options.blockChunk - 1);

    // A restart may find our own confirmations still pending (kill -9 after sending): let them land first, so the
    // confirmedData check below sees them and nothing is sent twice.
    const me = this.address;
    const [latestNonce, pendingNonce] = await Promise.all([target.provider.getTransactionCount(me, "latest"), target.provider.getTransactionCount(me, "pending")]);
    if (pendingNonce > latestNonce) {
      throw new RelayerRoundError(`${pendingNonce - latestNonce} of our transactions are still pending on the ${target.name} chain; waiting for them`, "pending");
    }

    const ops = await this.readOperations(direction, from, to);
    const destBridge = direction === "deposits" ? this.productBridge : this.mainBridge;
    const sent: { op: BridgeOperation; tx: TransactionResponse }[] = [];
    let nonce = pendingNonce;
    let sendError: unknown;
    for (const op of ops) {
      m.eventsSeen.inc({ direction });
      if (op.destinationChainId !== target.chainId) {
        m.skipped.inc({ direction, reason: "other_chain" });
        log.debug("event for another chain", { id: op.id, destination: op.destinationChainId });
        continue;
      }
      const status = await destBridge.status(op.id);
      if (status !== 0n) {
        m.skipped.inc({ direction, reason: "settled" });
        continue;
      }
      const mine = await destBridge.confirmedData(op.id, me);
      if (mine !== ZeroHash) {
        m.skipped.inc({ direction, reason: "already_confirmed" });
        continue;
      }
      try {
        const args = [op.id, op.pairId, op.recipient, op.mainAmount] as const;
        const confirm = direction === "deposits" ? this.productBridge.confirmDeposit : this.mainBridge.confirmWithdrawal;
        const gasLimit = (await confirm.estimateGas(...args)) + CONFIRMATION_GAS_ALLOWANCE.bridge;
        const tx = await confirm(...args, { nonce, gasLimit });
        nonce++;
        sent.push({ op, tx });
      } catch (e) {
        const name = this.revertName(destBridge, e);
        if (name && REVERTS_MEANING_DONE.has(name)) {
          m.skipped.inc({ direction, reason: name === "BridgeAlreadySettled" ? "settled" : "already_confirmed" });
          continue;
        }
        if (name === "MainBridgeChainNotActive") {
          // governance suspended the product chain on the main chain: its withdrawals wait until it is active again
          const status = decodeCustomError(e, this.mainBridge.interface)?.args[1] === 3n ? "retired" : "suspended";
          sendError = new RelayerRoundError(`chain ${this.product.chainId} is ${status} on the main chain: bridge paused (confirming ${op.id} waits)`, `revert_${name}`);
        } else {
          sendError = name ? new RelayerRoundError(`confirming ${op.id} reverts with ${name}; will retry`, `revert_${name}`) : e;
        }
        break; // later events wait: the cursor does not pass an unconfirmed one
      }
    }
    for (const { op, tx } of sent) {
      const receipt = await tx.wait(1).catch((e: unknown) => {
        if ((e as { code?: string }).code === "CALL_EXCEPTION") return null; // reverted
        throw e;
      });
      if (receipt?.status === 1) {
        m.confirmationsSent.inc({ direction });
        log.info("confirmed", { id: op.id, pairId: op.pairId, recipient: op.recipient, mainAmount: op.mainAmount, sourceBlock: op.blockNumber, tx: tx.hash });
      } else if ((await destBridge.status(op.id)) !== 0n) {
        m.skipped.inc({ direction, reason: "reverted_race" });
        log.info("confirmation reverted: settled meanwhile", { id: op.id, tx: tx.hash });
      } else {
        // reverted and still open: the cursor stays, the next round confirms again
        sendError ??= new RelayerRoundError(`confirmation of ${op.id} reverted (tx ${tx.hash}) and it is not settled; will retry`, "reverted_open");
      }
    }
    if (sendError) throw sendError;
    this.cursor.update((s) => {
      s[direction].next = to + 1;
    });
    m.cursor.set({ direction }, to + 1);
    m.lag.set({ direction }, Math.max(0, head - to));
    if (ops.length > 0) log.debug("scanned", { from, to, events: ops.length, sent: sent.length });
    return to < safe;
  }

  private revertName(bridge: MainBridge | ProductBridge, e: unknown): string | undefined {
    const seen = new Set<unknown>();
    const stack: unknown[] = [e];
    while (stack.length) {
      const x = stack.pop();
      if (!x || typeof x !== "object" || seen.has(x)) continue;
      seen.add(x);
      const r = x as Record<string, unknown>;
      if (typeof r.data === "string" && /^0x[0-9a-fA-F]{8}/.test(r.data)) {
        try {
          const parsed = bridge.interface.parseError(r.data);
          if (parsed) return parsed.name;
        } catch {
          // not one of the bridge's errors
        }
        return `0x${r.data.slice(2, 10)}`;
      }
      for (const k of ["error", "info", "cause", "revert"]) stack.push(r[k]);
    }
    if ((e as { code?: string }).code === "CALL_EXCEPTION") return "unknown";
    return undefined;
  }

  /**
   * One round of a duty. Rounds that send on the same chain take turns (deposits and node-owner swaps both send on the
   * product chain): each numbers its transactions from the account's nonce and awaits them before the next starts.
   */
  private roundOf(duty: Duty, log: Logger): Promise<boolean> {
    const chain: Side["name"] = duty === "redeems" ? "main" : "product";
    const previous = this.turns.get(chain) ?? Promise.resolve();
    const round = previous.then(() => (duty === "ownerSwaps" ? this.ownerSwapRound(log) : this.round(duty, log)));
    this.turns.set(chain, round.catch(() => undefined));
    return round;
  }

  // ---------------------------------------------------------------- node-owner duty (contracts/chains/NodeOwnerSync.sol)

  /**
   * Connects the node-owner duty's contracts when `--owner-sync` is given or the product chain's manifest records a
   * NodeOwnerSync; returns their addresses, or undefined (the duty is off). The NodeOwnerSync must count the signers of
   * the ProductBridge this relayer signs for.
   */
  private async connectOwnerSync(productBridge: string): Promise<OwnerSyncAddresses | undefined> {
    const found = findOwnerSyncAddresses(this.options, this.main.chainId, this.product.chainId);
    if (!found) return undefined;
    for (const [side, address, contract] of [
      [this.main, found.chainRegistry, "ProductChainRegistry"],
      [this.product, found.ownerSync, "NodeOwnerSync"],
    ] as const) {
      if ((await side.provider.getCode(address)) === "0x") {
        throw new RelayerConfigError(`no ${contract} at ${address} on the ${side.name} chain (${side.url}); the chain was reset or the manifest is stale: deploy again`);
      }
    }
    this.chainRegistry = typechain().ProductChainRegistry__factory.connect(found.chainRegistry, this.main.provider);
    this.ownerSync = typechain().NodeOwnerSync__factory.connect(found.ownerSync, this.wallet.connect(this.product.provider));
    const source = getAddress(await this.ownerSync.signerSource());
    if (source !== getAddress(productBridge)) {
      throw new RelayerConfigError(
        `the NodeOwnerSync at ${found.ownerSync} counts the signers of ${source}, not of the ProductBridge ${productBridge} this relayer signs for; pass the right --owner-sync`,
      );
    }
    return found;
  }

  /** Gives the cursor its node-owner part (a cursor older than the duty starts it at --main-start-block), or checks it. */
  private adoptOwnerSwapsCursor(found: OwnerSyncAddresses | undefined): void {
    if (!found) return;
    const st = this.cursor.get().ownerSwaps;
    if (!st) {
      this.cursor.update((s) => {
        s.ownerSwaps = { next: this.options.mainStartBlock, ...found };
      });
      return;
    }
    if (st.ownerSync !== found.ownerSync || st.chainRegistry !== found.chainRegistry) {
      throw new CursorError(
        `state file ${this.cursor.file} cannot be used: written for NodeOwnerSync ${st.ownerSync} / ProductChainRegistry ${st.chainRegistry}, ` +
          `now ${found.ownerSync} / ${found.chainRegistry} (redeployed? move the file away)`,
      );
    }
  }

  /** Reads the main chain registry's `NodeOwnerSwapped` events of this product chain in [from, to], in chain order. */
  async readOwnerSwaps(from: number, to: number): Promise<OwnerSwap[]> {
    const registry = this.chainRegistry!;
    const event = registry.interface.getEvent("NodeOwnerSwapped");
    const address = await registry.getAddress();
    const chainTopic = zeroPadValue(toBeHex(this.product.chainId), 32);
    const logs: Log[] = [];
    for (let f = from; f <= to; f += this.options.blockChunk) {
      const t = Math.min(to, f + this.options.blockChunk - 1);
      logs.push(...(await this.main.provider.getLogs({ address, topics: [event.topicHash, chainTopic], fromBlock: f, toBlock: t })));
    }
    logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
    return logs.map((l) => {
      if (l.blockNumber > to || l.removed) throw new RelayerRoundError(`log outside the confirmed range (block ${l.blockNumber})`, "reorg");
      const a = registry.interface.decodeEventLog("NodeOwnerSwapped", l.data, l.topics);
      return { ownersNonce: a.ownersNonce as bigint, oldOwner: a.oldOwner as string, newOwner: a.newOwner as string, blockNumber: l.blockNumber, txHash: l.transactionHash };
    });
  }

  /**
   * One scan of the node-owner duty: each swap of this product chain that the main chain made, buried `confirmations`
   * deep, is confirmed on the product chain's NodeOwnerSync (`confirmSwap`) unless it is decided already or this signer
   * confirmed it; the cursor then passes the range. Returns true when more confirmed blocks are waiting.
   */
  private async ownerSwapRound(log: Logger): Promise<boolean> {
    const duty: Duty = "ownerSwaps";
    const m = this.metrics;
    const sync = this.ownerSync!;
    const head = await this.main.provider.getBlockNumber();
    m.head.set({ chain: this.main.name }, head);
    const safe = head - this.options.confirmations + 1;
    const from = this.cursor.get().ownerSwaps!.next;
    m.cursor.set({ direction: duty }, from);
    m.lag.set({ direction: duty }, Math.max(0, head - from + 1));
    if (from > safe) return false;
    const to = Math.min(safe, from + this.options.blockChunk - 1);

    // as in `round`: our own confirmations still in flight (a restart after kill -9) land first, so the checks below see them
    const me = this.address;
    const [latestNonce, pendingNonce] = await Promise.all([this.product.provider.getTransactionCount(me, "latest"), this.product.provider.getTransactionCount(me, "pending")]);
    if (pendingNonce > latestNonce) {
      throw new RelayerRoundError(`${pendingNonce - latestNonce} of our transactions are still pending on the product chain; waiting for them`, "pending");
    }

    const swaps = await this.readOwnerSwaps(from, to);
    const sent: { swap: OwnerSwap; tx: TransactionResponse }[] = [];
    let nonce = pendingNonce;
    let sendError: unknown;
    for (const swap of swaps) {
      m.eventsSeen.inc({ direction: duty });
      const at = { ownersNonce: swap.ownersNonce, oldOwner: swap.oldOwner, newOwner: swap.newOwner, sourceBlock: swap.blockNumber };
      if ((await sync.swapStatus(swap.ownersNonce)) !== 0n) {
        m.skipped.inc({ direction: duty, reason: "decided" });
        continue;
      }
      const mine = await sync.confirmedSwap(swap.ownersNonce, me);
      if (mine !== ZeroHash) {
        if (mine === (await sync.swapHash(swap.ownersNonce, swap.oldOwner, swap.newOwner))) {
          m.skipped.inc({ direction: duty, reason: "already_confirmed" });
        } else {
          // only a reorged main chain could show us other owners for a nonce we confirmed: say so, never confirm twice
          m.skipped.inc({ direction: duty, reason: "conflicting" });
          log.error("this signer confirmed other owners for this node-owner swap; not confirming", { ...at, confirmed: mine });
        }
        continue;
      }
      try {
        const gasLimit = (await sync.confirmSwap.estimateGas(swap.ownersNonce, swap.oldOwner, swap.newOwner)) + CONFIRMATION_GAS_ALLOWANCE.ownerSwap;
        const tx = await sync.confirmSwap(swap.ownersNonce, swap.oldOwner, swap.newOwner, { nonce, gasLimit });
        nonce++;
        sent.push({ swap, tx });
      } catch (e) {
        const name = decodeCustomError(e, sync.interface)?.name;
        if (name === "NodeOwnerSyncAlreadyDecided" || name === "NodeOwnerSyncAlreadyConfirmed") {
          m.skipped.inc({ direction: duty, reason: name === "NodeOwnerSyncAlreadyDecided" ? "decided" : "already_confirmed" });
          continue;
        }
        const reverted = name !== undefined || (e as { code?: string }).code === "CALL_EXCEPTION";
        sendError = reverted ? new RelayerRoundError(`confirming node-owner swap ${swap.ownersNonce} reverts with ${name ?? "no reason"}; will retry`, `revert_${name ?? "unknown"}`) : e;
        break; // later swaps wait: the cursor does not pass an unconfirmed one
      }
    }
    for (const { swap, tx } of sent) {
      const receipt = await tx.wait(1).catch((e: unknown) => {
        if ((e as { code?: string }).code === "CALL_EXCEPTION") return null; // reverted: decided meanwhile
        throw e;
      });
      if (receipt?.status === 1) {
        m.confirmationsSent.inc({ direction: duty });
        log.info("confirmed node-owner swap", { ownersNonce: swap.ownersNonce, oldOwner: swap.oldOwner, newOwner: swap.newOwner, sourceBlock: swap.blockNumber, tx: tx.hash });
      } else if ((await sync.swapStatus(swap.ownersNonce)) !== 0n) {
        m.skipped.inc({ direction: duty, reason: "reverted_race" });
        log.info("node-owner swap confirmation reverted: decided meanwhile", { ownersNonce: swap.ownersNonce, tx: tx.hash });
      } else {
        // reverted and still undecided: the cursor stays, the next round confirms again
        sendError ??= new RelayerRoundError(`confirmation of node-owner swap ${swap.ownersNonce} reverted (tx ${tx.hash}) and it is not decided; will retry`, "reverted_open");
      }
    }
    if (sendError) throw sendError;
    this.cursor.update((s) => {
      s.ownerSwaps!.next = to + 1;
    });
    m.cursor.set({ direction: duty }, to + 1);
    m.lag.set({ direction: duty }, Math.max(0, head - to));
    if (swaps.length > 0) log.debug("scanned", { from, to, events: swaps.length, sent: sent.length });
    return to < safe;
  }
}

/** Starts a relayer (init + run in the background); resolves once it is running. */
export async function startRelayer(options: RelayerOptions, log?: Logger): Promise<{ relayer: Relayer; done: Promise<void> }> {
  const relayer = new Relayer(options, log);
  await relayer.init();
  const done = relayer.run();
  return { relayer, done };
}
