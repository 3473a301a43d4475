import path from "node:path";
import { NonceManager, type Interface, type JsonRpcProvider } from "ethers";
import { connect, type ChainError } from "../../lib/chain";
import { Cursor } from "../../lib/cursor";
import { createLogger, type Logger } from "../../lib/log";
import { Registry as MetricsRegistry, serveMetrics, type MetricsServer } from "../../lib/metrics";
import { backoffDelay, sleep } from "../../lib/retry";
import { childHead, fetchBlockRange } from "./childBlocks";
import { AnchorError } from "./errors";
import { revertData } from "../../lib/revert";
import { suggestKey } from "../../lib/config";
import { MerkleTree } from "./merkleTree";
import { loadAnchorKey, registryAt, resolveRegistry, type AnchorKey, type RegistryLocation } from "./registry";

/** Options of {@link runAnchor}: one anchoring process (one child chain into one parent chain). */
export interface RunAnchorOptions {
  /** JSON-RPC URL of the child chain (blocks are read from it). */
  childUrl: string;
  /** JSON-RPC URL of the parent chain (the registry lives there). */
  parentUrl: string;
  /** Blocks per anchored range: a range is submitted every `every` child blocks. */
  every: number;
  /** A block is anchored once this many blocks are built on top of it (default 2). */
  confirmations?: number;
  /** Where the registry is (address, manifest, or a manifest of the parent chain in `deployments/`). */
  registry?: RegistryLocation;
  /** The anchorer's key (keystore, or a development account). */
  key?: AnchorKey;
  /** Durable cursor file (default `data/anchor/<child>-to-<parent>.json`). */
  cursorFile?: string;
  /** Milliseconds between polls of the child's head when there is nothing to anchor (default 1000). */
  pollMs?: number;
  /** Serve Prometheus metrics on this port (0: any free port; default: no server). */
  metricsPort?: number;
  /** Host of the metrics server (default 127.0.0.1). */
  metricsHost?: string;
  /** Stop after anchoring this many ranges (default: run until `signal` aborts). */
  maxRanges?: number;
  /** Label of this process in logs and metrics, e.g. "phase1" (default "anchor"). */
  name?: string;
  /** Most backoff between failed attempts, in ms (default 30 000). */
  maxBackoffMs?: number;
  /** Logger (default: JSON lines on stdout, component "anchor"). */
  logger?: Logger;
  /** Stops the loop (SIGINT/SIGTERM in the task). */
  signal?: AbortSignal;
  /** Called once the process is running (registry resolved, metrics served). */
  onReady?: (info: AnchorRunInfo) => void;
}

/** What a started anchoring process works with. */
export interface AnchorRunInfo {
  childChainId: bigint;
  parentChainId: bigint;
  registry: string;
  anchorer: string;
  nextStart: bigint;
  metricsPort?: number;
}

/** One range this process anchored. */
export interface AnchoredRange {
  index: bigint;
  start: bigint;
  end: bigint;
  root: string;
  tx: string;
  gasUsed: bigint;
  /** `gasUsed / blocks`, rounded down. */
  gasPerBlock: bigint;
}

export interface RunAnchorResult extends AnchorRunInfo {
  ranges: AnchoredRange[];
  errors: number;
}

/** The cursor file: what this process last anchored (the contract's `nextStart` stays the truth). */
export interface AnchorCursorState {
  childChainId: bigint;
  parentChainId: bigint;
  registry: string;
  nextStart: bigint;
  lastRange?: { index: bigint; start: bigint; end: bigint; root: string; tx: string };
}

const KNOWN_OPTIONS = new Set<keyof RunAnchorOptions>([
  "childUrl", "parentUrl", "every", "confirmations", "registry", "key", "cursorFile", "pollMs", "metricsPort",
  "metricsHost", "maxRanges", "name", "maxBackoffMs", "logger", "signal", "onReady",
]);

function checkInteger(key: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new AnchorError("ANCHOR_CONFIG", `${key} must be an integer ${min}..${max}, got ${value}`);
  }
}

/** Validates the options (unknown keys and out-of-range values are errors naming the key). */
export function validateRunAnchorOptions(options: RunAnchorOptions): void {
  for (const k of Object.keys(options)) {
    if (KNOWN_OPTIONS.has(k as keyof RunAnchorOptions)) continue;
    const meant = suggestKey(k, [...KNOWN_OPTIONS]);
    throw new AnchorError("ANCHOR_CONFIG", `unknown option "${k}"${meant ? ` (did you mean "${meant}"?)` : ""}`);
  }
  for (const k of ["childUrl", "parentUrl"] as const) {
    if (typeof options[k] !== "string" || !/^https?:\/\/\S+$/.test(options[k])) {
      throw new AnchorError("ANCHOR_CONFIG", `${k} must be an http(s) JSON-RPC URL, got "${options[k]}"`);
    }
  }
  if (options.childUrl === options.parentUrl) throw new AnchorError("ANCHOR_CONFIG", "childUrl and parentUrl are the same endpoint; a chain cannot anchor into itself");
  checkInteger("every", options.every, 1, 65_536);
  checkInteger("confirmations", options.confirmations, 0, 10_000);
  checkInteger("pollMs", options.pollMs, 10, 3_600_000);
  checkInteger("metricsPort", options.metricsPort, 0, 65_535);
  checkInteger("maxRanges", options.maxRanges, 1, Number.MAX_SAFE_INTEGER);
  checkInteger("maxBackoffMs", options.maxBackoffMs, 10, 3_600_000);
}

/** Metric families of the anchoring process. */
function anchorMetrics(registry: MetricsRegistry) {
  return {
    ranges: registry.counter("anchor_ranges_anchored_total", "Ranges this process anchored"),
    blocks: registry.counter("anchor_blocks_anchored_total", "Child blocks inside the ranges this process anchored"),
    gas: registry.counter("anchor_gas_used_total", "Gas spent on anchor transactions"),
    gasPerBlock: registry.gauge("anchor_gas_per_block", "Gas per anchored block of the last range"),
    lastAnchored: registry.gauge("anchor_last_anchored_block", "Last child block anchored on the parent (registry nextStart - 1)"),
    head: registry.gauge("anchor_child_head_block", "Latest child block seen"),
    lag: registry.gauge("anchor_lag_blocks", "Child head minus the last anchored block"),
    errors: registry.counter("anchor_errors_total", "Failed attempts, by kind"),
  };
}

/** The registry's custom error (name and arguments) in a failed call, when there is one. */
function decodeRevert(e: unknown, iface: Interface): { name: string; args: unknown[] } | undefined {
  const data = revertData(e);
  if (data) {
    try {
      const parsed = iface.parseError(data);
      if (parsed) return { name: parsed.name, args: [...parsed.args] };
    } catch {
      // not one of the registry's errors
    }
  }
  const revert = (e as { revert?: { name?: string; args?: unknown[] } }).revert;
  return revert?.name ? { name: revert.name, args: [...(revert.args ?? [])] } : undefined;
}

/** Classifies an error for the `anchor_errors_total{kind}` label and the log. */
function errorKind(e: unknown, iface: Interface): string {
  const revert = decodeRevert(e, iface);
  if (revert) return revert.name;
  if (e instanceof AnchorError) return e.code;
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" ? code : "UNKNOWN";
}

function describe(e: unknown, iface: Interface): string {
  const revert = decodeRevert(e, iface);
  if (revert) return `${revert.name}(${revert.args.map(String).join(", ")})`;
  const x = e as { shortMessage?: string; message?: string };
  return x.shortMessage ?? x.message ?? String(e);
}

/**
 * Runs one anchoring process: every `every` child blocks (at least `confirmations` deep) it reads them over
 * JSON-RPC, builds their Merkle tree and anchors `[nextStart, nextStart + every - 1]` in the parent's registry.
 * The registry's `nextStart` is read before every range, so nothing is submitted twice, whatever the cursor
 * says. Failures are logged, counted and retried with exponential backoff; while governance has the child suspended
 * or retired on the main chain (`AnchorRegistryChainNotActive`) it warns and asks again every `maxBackoffMs`.
 * Resolves when `signal` aborts or after `maxRanges` ranges.
 */
export async function runAnchor(options: RunAnchorOptions): Promise<RunAnchorResult> {
  validateRunAnchorOptions(options);
  const name = options.name ?? "anchor";
  const log = options.logger ?? createLogger("anchor", { fields: { phase: name } });
  const every = BigInt(options.every);
  const confirmations = BigInt(options.confirmations ?? 2);
  const pollMs = options.pollMs ?? 1_000;
  const signal = options.signal;

  let parent: JsonRpcProvider | undefined;
  let metricsServer: MetricsServer | undefined;
  try {
    const { provider: childProvider, chainId: childChainId } = await connect(options.childUrl, { name: "child chain" });
    childProvider.destroy(); // blocks are read with plain JSON-RPC calls; only the chain id was needed
    const p = await connect(options.parentUrl, { name: "parent chain", pollingIntervalMs: 250 });
    parent = p.provider;
    const parentChainId = p.chainId;
    if (childChainId === parentChainId) throw new AnchorError("ANCHOR_CONFIG", `child and parent are both chain ${childChainId}; a chain cannot anchor into itself`);
    const registryAddress = await resolveRegistry(parent, parentChainId, options.registry ?? {});
    const wallet = (await loadAnchorKey(options.key ?? {})).connect(parent);
    // Nonces counted locally (reset after a failure): a fast parent mines before the provider's cache expires.
    const sender = new NonceManager(wallet);
    const registry = registryAt(registryAddress, sender);
    const anchorer = wallet.address;
    const [registered] = await registry.getChild(childChainId);
    if (!registered) {
      throw new AnchorError(
        "ANCHOR_REGISTRY",
        `child chain ${childChainId} is not registered in the registry ${registryAddress} on chain ${parentChainId}; governance registers it (anchor:authorize --child-chain-id ${childChainId} --anchorer ${anchorer})`,
      );
    }
    if (!(await registry.isAnchorer(childChainId, anchorer))) {
      throw new AnchorError(
        "ANCHOR_REGISTRY",
        `${anchorer} is not an anchorer of chain ${childChainId} in the registry ${registryAddress} on chain ${parentChainId}; governance authorises it (anchor:authorize --child-chain-id ${childChainId} --anchorer ${anchorer})`,
      );
    }

    // Durable cursor: informative only; the registry's nextStart decides what comes next.
    const cursorFile = options.cursorFile ?? path.join("data", "anchor", `${childChainId}-to-${parentChainId}.json`);
    let nextStart = await registry.nextStart(childChainId);
    const cursor = new Cursor<AnchorCursorState>(cursorFile, {
      initial: { childChainId, parentChainId, registry: registryAddress, nextStart },
      validate: (v) => {
        const s = v as AnchorCursorState;
        if (BigInt(s.childChainId) !== childChainId || BigInt(s.parentChainId) !== parentChainId || String(s.registry).toLowerCase() !== registryAddress.toLowerCase()) {
          throw new Error(`it belongs to chain ${s.childChainId} → ${s.parentChainId} (registry ${s.registry}), not ${childChainId} → ${parentChainId} (${registryAddress}); use another --cursor`);
        }
        return s;
      },
    });
    const saved = cursor.get();
    if (saved.nextStart !== nextStart) {
      log.warn("cursor differs from the registry; the registry wins", { cursor: saved.nextStart, registry: nextStart, file: cursorFile });
    }
    cursor.update((s) => void (s.nextStart = nextStart));

    const metricsRegistry = new MetricsRegistry({ phase: name, child_chain_id: childChainId.toString(), parent_chain_id: parentChainId.toString() });
    const m = anchorMetrics(metricsRegistry);
    m.lastAnchored.set({}, Number(nextStart) - 1);
    if (options.metricsPort !== undefined) metricsServer = await serveMetrics(metricsRegistry, options.metricsPort, options.metricsHost);

    const info: AnchorRunInfo = { childChainId, parentChainId, registry: registryAddress, anchorer, nextStart, metricsPort: metricsServer?.port };
    log.info("anchoring started", { ...info, every: options.every, confirmations: Number(confirmations), cursor: cursorFile });
    options.onReady?.(info);

    const ranges: AnchoredRange[] = [];
    let errors = 0;
    let failures = 0;
    while (!signal?.aborted && (options.maxRanges === undefined || ranges.length < options.maxRanges)) {
      try {
        nextStart = await registry.nextStart(childChainId); // the truth, before every range
        const head = await childHead(options.childUrl);
        m.head.set({}, Number(head));
        m.lastAnchored.set({}, Number(nextStart) - 1);
        m.lag.set({}, Number(head - nextStart + 1n));
        const end = nextStart + every - 1n;
        if (head - confirmations < end) {
          failures = 0;
          log.debug("waiting for blocks", { head, nextStart, needed: end + confirmations });
          await sleep(pollMs, signal);
          continue;
        }
        const blocks = await fetchBlockRange(options.childUrl, nextStart, end);
        const tree = MerkleTree.fromBlocks(blocks);
        const tx = await registry.anchor(childChainId, nextStart, end, tree.root);
        const receipt = await tx.wait();
        if (!receipt || receipt.status !== 1) throw new AnchorError("ANCHOR_REGISTRY", `anchor transaction ${tx.hash} failed`);
        let index = -1n;
        for (const l of receipt.logs) {
          const parsed = registry.interface.parseLog(l);
          if (parsed?.name === "RangeAnchored") index = parsed.args.index as bigint;
        }
        const gasPerBlock = receipt.gasUsed / every;
        const range: AnchoredRange = { index, start: nextStart, end, root: tree.root, tx: tx.hash, gasUsed: receipt.gasUsed, gasPerBlock };
        ranges.push(range);
        const anchoredFrom = nextStart;
        nextStart = end + 1n;
        cursor.save({ childChainId, parentChainId, registry: registryAddress, nextStart, lastRange: { index, start: anchoredFrom, end, root: tree.root, tx: tx.hash } });
        m.ranges.inc();
        m.blocks.inc({}, Number(every));
        m.gas.inc({}, Number(receipt.gasUsed));
        m.gasPerBlock.set({}, Number(gasPerBlock));
        m.lastAnchored.set({}, Number(end));
        m.lag.set({}, Number(head - end));
        log.info("range anchored", { index, start: anchoredFrom, end, root: tree.root, tx: tx.hash, gasUsed: receipt.gasUsed, gasPerBlock, lag: head - end });
        failures = 0;
      } catch (e) {
        if (signal?.aborted) break;
        sender.reset();
        errors++;
        failures++;
        const kind = errorKind(e, registry.interface);
        m.errors.inc({ kind });
        const maxDelayMs = options.maxBackoffMs ?? 30_000;
        const fields = { kind, error: describe(e, registry.interface), attempt: failures };
        let delayMs: number;
        if (kind === "AnchorRegistryNonContiguous") {
          delayMs = 0;
          log.warn("another anchorer was first; re-reading the registry", { ...fields, retryInMs: delayMs });
        } else if (kind === "AnchorRegistryChainNotActive") {
          // governance suspended or retired the child on the main chain: only governance lifts it, so ask again at
          // the slowest pace rather than backing off from a fast start
          delayMs = maxDelayMs;
          const status = decodeRevert(e, registry.interface)?.args[1] === 3n ? "retired" : "suspended";
          log.warn(`chain ${childChainId} is ${status} on the main chain: anchoring paused`, { ...fields, retryInMs: delayMs });
        } else {
          delayMs = backoffDelay(failures, { initialDelayMs: Math.min(pollMs, 500), maxDelayMs });
          log.error("anchoring failed; retrying", { ...fields, retryInMs: delayMs });
        }
        try {
          await sleep(delayMs, signal);
        } catch {
          break; // aborted while backing off
        }
      }
    }
    log.info("anchoring stopped", { ranges: ranges.length, errors, nextStart });
    return { ...info, nextStart, ranges, errors };
  } catch (e) {
    if ((e as ChainError).code === "LUNIVERSE_CHAIN") throw new AnchorError("ANCHOR_CONFIG", (e as Error).message);
    throw e;
  } finally {
    await metricsServer?.close();
    parent?.destroy();
  }
}
