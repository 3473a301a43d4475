/**
 * Work the ethereumjs EVM repeats although its answer cannot change, done once instead — through the project's own
 * hooks installed at runtime (never a patched copy of the dependency).
 *
 * - Jump-destination analysis. Every interpreter frame that reaches a JUMP/JUMPI walks the whole contract
 *   (`Interpreter._getValidJumpDestinations`): a JUMPDEST table, every PUSH immediate decoded to a bigint, the opcode
 *   entry of every byte. An ERC-20 transfer spent ~12 % of its time there. The result depends only on the code's bytes,
 *   the EVM's opcode table and whether EIP-8024 is active, so it is cached per (opcode table, code). Every cache hit
 *   compares the entry's own copy of the code with the code being run byte for byte: an entry is never served for
 *   other code, whatever the hash (the hash only finds the candidate) and even if a caller's array was changed in
 *   place after it was hashed. One analysis serves many frames at once, which is safe because ethereumjs only reads
 *   it (`runState.validJumps`, `runState.cachedPushes`, the opcode entries of the step loop).
 * - `Common.isActivatedEIP`: an `Array.includes` over the ~30 activated EIPs (Cancun), asked twice or more per EVM step.
 *   {@link indexActivatedEIPs} answers it from a Set kept equal to the array it replaces.
 *
 * Both read ethereumjs internals, so they are written for one version (`ETHEREUMJS_VERSION_FOR_HOOKS`); installing
 * them under another throws {@link EvmHooksError} until the hooks have been re-checked against the new code.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Common } from "@ethereumjs/common";
import { LuniverseError } from "../../lib/errors";

/** The @ethereumjs/evm and @ethereumjs/common version whose internals these hooks were written against. */
export const ETHEREUMJS_VERSION_FOR_HOOKS = "10.1.3";

/** At most this many analyses are cached … */
export const JUMP_CACHE_MAX_ENTRIES = 1024;
/** … and at most this many code bytes among them (an analysis holds ~20 bytes of heap per code byte: ~40 MiB). */
export const JUMP_CACHE_MAX_CODE_BYTES = 2 * 1024 * 1024;

export type EvmHooksErrorCode = "EXECUTION_HOOKS_VERSION";

/** The installed ethereumjs is not the version the EVM hooks were written for. */
export class EvmHooksError extends LuniverseError<EvmHooksErrorCode> {
  override name = "EvmHooksError";
}

/** What `_getValidJumpDestinations` returns (ethereumjs 10.1.3, interpreter.js). */
interface JumpAnalysis {
  jumps: Uint8Array;
  pushes: Record<number, bigint>;
  opcodesCached: OpcodeEntry[];
}

interface OpcodeInfo {
  code: number;
  name: string;
  fullName: string;
  fee: number;
  isAsync: boolean;
  dynamicGas: boolean;
  isInvalid: boolean;
}

interface OpcodeEntry {
  opcodeInfo: OpcodeInfo;
  opHandler: unknown;
  gasHandler: unknown;
}

interface InterpreterInternals {
  common: Common;
  _evm: { _opcodeMap: OpcodeEntry[] };
  _getValidJumpDestinations(code: Uint8Array): JumpAnalysis;
}

interface InterpreterClass {
  prototype: InterpreterInternals;
}

interface CommonInternals {
  _activatedEIPsCache: number[];
}

export interface EthereumjsVersions {
  evm: string;
  common: string;
}

export interface EvmHookStats {
  installed: boolean;
  /** `hashed`: lookups that hashed the code (the rest found it by the array's identity). */
  jumpAnalysis: { hits: number; misses: number; hashed: number; entries: number; codeBytes: number };
}

/** The directory of the package `name` as `require` finds it from `from`. */
function packageDir(name: string, from?: string): string {
  const entry = require.resolve(name, from === undefined ? undefined : { paths: [from] });
  let dir = path.dirname(entry);
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string };
      if (pkg.name === name) return dir;
    } catch {
      // no package.json here (dist/cjs has none); keep walking up
    }
    const up = path.dirname(dir);
    if (up === dir) throw new EvmHooksError("EXECUTION_HOOKS_VERSION", `package.json of ${name} not found above ${entry}`);
    dir = up;
  }
}

function versionAt(dir: string): string {
  return (JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string }).version;
}

/**
 * The EVM the node's VMs run on: the `@ethereumjs/evm` that `@ethereumjs/vm` loads (package.json is read from the
 * file system: the packages' export maps do not expose it).
 */
function evmDir(): string {
  return packageDir("@ethereumjs/evm", packageDir("@ethereumjs/vm"));
}

/** The installed @ethereumjs/evm (as @ethereumjs/vm loads it) and @ethereumjs/common versions. */
export function installedEthereumjsVersions(): EthereumjsVersions {
  return { evm: versionAt(evmDir()), common: versionAt(packageDir("@ethereumjs/common")) };
}

/** Set once the installed versions were read and found right (packages do not change under a running process). */
let installedChecked = false;

/**
 * Throws {@link EvmHooksError} unless `versions` (default: the installed ones, read once per process) are the ones the
 * hooks were written for.
 */
export function assertHookedVersions(versions?: EthereumjsVersions): void {
  if (versions === undefined && installedChecked) return;
  const found = versions ?? installedEthereumjsVersions();
  const wrong = Object.entries(found).filter(([, v]) => v !== ETHEREUMJS_VERSION_FOR_HOOKS);
  if (wrong.length === 0) {
    if (versions === undefined) installedChecked = true;
    return;
  }
  throw new EvmHooksError("EXECUTION_HOOKS_VERSION", `the node's EVM hooks were written for ethereumjs ${ETHEREUMJS_VERSION_FOR_HOOKS}`, {
    details: `found ${wrong.map(([p, v]) => `@ethereumjs/${p} ${v}`).join(", ")}`,
    hint:
      "re-read Interpreter.run()/_getValidJumpDestinations (evm dist/cjs/interpreter.js) and Common.isActivatedEIP/" +
      "_buildActivatedEIPsCache (common dist/cjs/common.js) of the new version, adapt node/execution/evmHooks.ts, " +
      "then update ETHEREUMJS_VERSION_FOR_HOOKS and the pin in test/node/evmHooks.test.ts",
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Jump-destination analysis cache

interface CacheEntry {
  /** The entry's own copy of the code it was computed for: every hit is checked against it. */
  code: Buffer;
  analysis: JumpAnalysis;
}

/** Insertion order is recency (a hit moves its entry to the end); the first entry is evicted first. */
const entries = new Map<string, CacheEntry>();
let cachedCodeBytes = 0;
let hits = 0;
let misses = 0;
let hashed = 0;
/** The content hash of a code array, computed once per array (the state manager hands out the same array per call). */
const hashOfArray = new WeakMap<Uint8Array, string>();

/**
 * Opcode tables by content. Every EVM builds its own table (`_opcodeMap`: per byte the frozen `Opcode` info, the
 * handler and the dynamic-gas handler); tables equal in all of these are interchangeable, so VMs built from the same
 * Common (the block VM, the RPC's VM per block) share analyses.
 */
const tableIds = new WeakMap<object, number>();
const tableIdByFingerprint = new Map<string, number>();
const functionIds = new WeakMap<object, number>();
let nextFunctionId = 1;

function functionId(f: unknown): number {
  if (typeof f !== "function") return 0;
  let id = functionIds.get(f);
  if (id === undefined) {
    id = nextFunctionId++;
    functionIds.set(f, id);
  }
  return id;
}

function tableId(table: OpcodeEntry[]): number {
  let id = tableIds.get(table);
  if (id !== undefined) return id;
  const parts: string[] = [];
  for (let op = 0; op < 256; op++) {
    const e = table[op];
    if (e === undefined) {
      parts.push("-");
      continue;
    }
    const o = e.opcodeInfo;
    parts.push(`${o.code},${o.name},${o.fullName},${o.fee},${o.isAsync},${o.dynamicGas},${o.isInvalid},${functionId(e.opHandler)},${functionId(e.gasHandler)}`);
  }
  const fingerprint = parts.join(";");
  id = tableIdByFingerprint.get(fingerprint);
  if (id === undefined) {
    id = tableIdByFingerprint.size + 1;
    tableIdByFingerprint.set(fingerprint, id);
  }
  tableIds.set(table, id);
  return id;
}

function contentHash(code: Uint8Array): string {
  hashed++;
  // SHA-256 through OpenSSL: ~6x faster than the keccak addon here; any hash would do, hits are compared byte for byte.
  const hash = createHash("sha256").update(code).digest("base64");
  hashOfArray.set(code, hash);
  return hash;
}

function cachedJumpDestinations(original: (code: Uint8Array) => JumpAnalysis) {
  return function getValidJumpDestinations(this: InterpreterInternals, code: Uint8Array): JumpAnalysis {
    const prefix = `${tableId(this._evm._opcodeMap)}:${this.common.isActivatedEIP(8024) ? 1 : 0}:`;
    const known = hashOfArray.get(code);
    let entry = known === undefined ? undefined : entries.get(prefix + known);
    if (entry === undefined || !entry.code.equals(code)) {
      // not seen as this array, or the array changed since: look up by what it holds now
      entry = entries.get(prefix + contentHash(code));
      if (entry !== undefined && !entry.code.equals(code)) entry = undefined;
    }
    const key = prefix + hashOfArray.get(code)!;
    if (entry !== undefined) {
      hits++;
      entries.delete(key);
      entries.set(key, entry);
      return entry.analysis;
    }
    misses++;
    const analysis = original.call(this, code);
    const copy = Buffer.from(code); // a copy: later changes to the caller's array cannot reach the entry
    const replaced = entries.get(key);
    if (replaced !== undefined) {
      entries.delete(key);
      cachedCodeBytes -= replaced.code.length;
    }
    entries.set(key, { code: copy, analysis });
    cachedCodeBytes += copy.length;
    while (entries.size > JUMP_CACHE_MAX_ENTRIES || cachedCodeBytes > JUMP_CACHE_MAX_CODE_BYTES) {
      const [oldest, evicted] = entries.entries().next().value as [string, CacheEntry];
      entries.delete(oldest);
      cachedCodeBytes -= evicted.code.length;
    }
    return analysis;
  };
}

/** Forgets every cached analysis and zeroes the counters. */
export function clearJumpAnalysisCache(): void {
  entries.clear();
  cachedCodeBytes = 0;
  hits = 0;
  misses = 0;
  hashed = 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Installation

let installedOriginal: ((code: Uint8Array) => JumpAnalysis) | null = null;

function interpreterClass(): InterpreterClass {
  // Not exported by the package: loaded by its file, which is the module instance evm.js itself requires.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(evmDir(), "dist", "cjs", "interpreter.js")) as { Interpreter?: InterpreterClass };
  const cls = mod.Interpreter;
  if (typeof cls?.prototype?._getValidJumpDestinations !== "function") {
    throw new EvmHooksError("EXECUTION_HOOKS_VERSION", "the ethereumjs Interpreter has no _getValidJumpDestinations to hook", {
      hint: "re-check node/execution/evmHooks.ts against the installed @ethereumjs/evm",
    });
  }
  return cls;
}

/**
 * Installs the jump-destination cache on ethereumjs' Interpreter (process-wide; idempotent). Throws
 * {@link EvmHooksError} when the installed ethereumjs is not the version the hooks were written for.
 */
export function installEvmHooks(): void {
  if (installedOriginal !== null) return;
  assertHookedVersions();
  const proto = interpreterClass().prototype;
  installedOriginal = proto._getValidJumpDestinations;
  proto._getValidJumpDestinations = cachedJumpDestinations(installedOriginal);
}

/** Restores ethereumjs' own analysis (tests compare executions with and without the hooks). */
export function uninstallEvmHooks(): void {
  if (installedOriginal === null) return;
  interpreterClass().prototype._getValidJumpDestinations = installedOriginal;
  installedOriginal = null;
}

export function evmHookStats(): EvmHookStats {
  return { installed: installedOriginal !== null, jumpAnalysis: { hits, misses, hashed, entries: entries.size, codeBytes: cachedCodeBytes } };
}

const indexed = new WeakSet<Common>();

/**
 * Answers `common.isActivatedEIP` from a Set instead of scanning `_activatedEIPsCache`. The Set is rebuilt whenever
 * ethereumjs assigns that array (it only ever assigns it, in the constructor and `_buildActivatedEIPsCache`), so the
 * answers stay those of the array. A `copy()` of the Common is not indexed (it answers from its own array). Idempotent
 * per Common.
 */
export function indexActivatedEIPs(common: Common): void {
  const c = common as unknown as CommonInternals & { isActivatedEIP(eip: number): boolean };
  if (indexed.has(common)) return;
  assertHookedVersions();
  let list = c._activatedEIPsCache;
  let set = new Set(list);
  Object.defineProperty(c, "_activatedEIPsCache", {
    configurable: true,
    enumerable: true, // `Common.copy()` (Object.assign) gives a copy the array as a plain property …
    get: () => list,
    set: (value: number[]) => {
      list = value;
      set = new Set(value);
    },
  });
  Object.defineProperty(c, "isActivatedEIP", {
    configurable: true,
    enumerable: false, // … and not this Set's answers: a copy scans its own array, as ethereumjs does
    writable: true,
    value: (eip: number) => set.has(eip),
  });
  indexed.add(common);
}
