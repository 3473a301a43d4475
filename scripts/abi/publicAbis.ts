/**
 * The public ABI of the project: one entry per contract of ours under `artifacts/contracts/` (mocks excluded), and
 * its function, event and error signatures in canonical form — what the package ships and the ABI gate compares.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { ErrorFragment, EventFragment, FallbackFragment, Fragment, FunctionFragment, type InterfaceAbi } from "ethers";
import { LuniverseError } from "../../lib/errors";

export class AbiGateError extends LuniverseError<"ABI_NO_ARTIFACTS" | "ABI_DUPLICATE_NAME" | "ABI_SNAPSHOT_INVALID" | "ABI_VERSION_NOT_BUMPED" | "ABI_VERSION_INVALID"> {
  override name = "AbiGateError";
}

/** Folders under `contracts/` whose contracts are not part of the public interface. */
export const PRIVATE_SOURCE_DIRS = ["contracts/mocks/", "contracts/test/"];

export interface PublicArtifact {
  contractName: string;
  /** e.g. `contracts/consensus/ValidatorSet.sol` */
  sourceName: string;
  abi: readonly Record<string, unknown>[];
  /** `0x` for interfaces and abstract contracts. */
  bytecode: string;
  /** The artifact file, for tools that want the whole of it (typechain). */
  file: string;
}

/**
 * The signatures of one contract. Keys are canonical `name(types)`; values say what else a consumer depends on:
 * state mutability and output types of a function, the full declaration (indexed flags, parameter names) of an
 * event or error. A change of key or value is a change of the public interface.
 */
export interface ContractSignatures {
  source: string;
  functions: Record<string, string>;
  events: Record<string, string>;
  errors: Record<string, string>;
}

/** Contract name → signatures, sorted by name. */
export type AbiSet = Record<string, ContractSignatures>;

function isPublicSource(sourceName: string): boolean {
  return sourceName.startsWith("contracts/") && !PRIVATE_SOURCE_DIRS.some((d) => sourceName.startsWith(d));
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Every public contract's Hardhat artifact under `<root>/artifacts/contracts`, sorted by contract name. */
export function readPublicArtifacts(root: string): PublicArtifact[] {
  const dir = path.join(root, "artifacts", "contracts");
  if (!existsSync(dir)) {
    throw new AbiGateError("ABI_NO_ARTIFACTS", `no compiled artifacts under ${dir}`, { hint: "run `npx hardhat compile` first" });
  }
  const out: PublicArtifact[] = [];
  const seen = new Map<string, string>();
  for (const file of walk(dir)) {
    if (!file.endsWith(".json") || file.endsWith(".dbg.json")) continue;
    const a = JSON.parse(readFileSync(file, "utf8")) as { contractName?: string; sourceName?: string; abi?: Record<string, unknown>[]; bytecode?: string };
    if (!a.contractName || !a.sourceName || !Array.isArray(a.abi) || !isPublicSource(a.sourceName)) continue;
    const other = seen.get(a.contractName);
    if (other) {
      throw new AbiGateError("ABI_DUPLICATE_NAME", `two public contracts are named ${a.contractName}`, {
        details: `${other} and ${a.sourceName}`,
        hint: "rename one: the package has one abi/<Name>.json per contract",
      });
    }
    seen.set(a.contractName, a.sourceName);
    out.push({ contractName: a.contractName, sourceName: a.sourceName, abi: a.abi, bytecode: a.bytecode ?? "0x", file });
  }
  return out.sort((x, y) => x.contractName.localeCompare(y.contractName));
}

function sortedRecord(entries: [string, string][]): Record<string, string> {
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The canonical signatures of one ABI (constructors are not part of the interface a consumer calls). */
export function contractSignatures(source: string, abi: InterfaceAbi): ContractSignatures {
  const functions: [string, string][] = [];
  const events: [string, string][] = [];
  const errors: [string, string][] = [];
  const items = typeof abi === "string" ? [abi] : abi;
  for (const item of items) {
    const f = Fragment.from(item as never);
    if (f instanceof FunctionFragment) {
      const outputs = f.outputs.length ? ` returns (${f.outputs.map((o) => o.format("sighash")).join(",")})` : "";
      functions.push([f.format("sighash"), `${f.stateMutability}${outputs}`]);
    } else if (f instanceof EventFragment) {
      events.push([f.format("sighash"), f.format("full")]);
    } else if (f instanceof ErrorFragment) {
      errors.push([f.format("sighash"), f.format("full")]);
    } else if (f instanceof FallbackFragment) {
      // ethers represents `receive` as a payable fallback without inputs
      functions.push([f.inputs.length === 0 ? "receive()" : "fallback()", f.payable ? "payable" : "nonpayable"]);
    }
  }
  return { source, functions: sortedRecord(functions), events: sortedRecord(events), errors: sortedRecord(errors) };
}

/** The signatures of every public contract compiled under `root`. */
export function readAbiSet(root: string): AbiSet {
  return abiSetOf(readPublicArtifacts(root));
}

export function abiSetOf(artifacts: PublicArtifact[]): AbiSet {
  const set: AbiSet = {};
  for (const a of artifacts) set[a.contractName] = contractSignatures(a.sourceName, a.abi as InterfaceAbi);
  return set;
}

const buildInfoCache = new Map<string, { output: { contracts: Record<string, Record<string, { metadata?: string }>> } }>();

/**
 * What each event of `artifact` means, from the contract's NatSpec in the compiler's metadata: the `@notice`, else
 * the `@dev` (OpenZeppelin documents its events so). Keyed by canonical signature; missing when undocumented.
 */
export function readEventNotes(artifact: PublicArtifact): Record<string, string> {
  const dbgFile = artifact.file.replace(/\.json$/, ".dbg.json");
  if (!existsSync(dbgFile)) return {};
  const dbg = JSON.parse(readFileSync(dbgFile, "utf8")) as { buildInfo?: string };
  if (!dbg.buildInfo) return {};
  const biFile = path.resolve(path.dirname(dbgFile), dbg.buildInfo);
  let bi = buildInfoCache.get(biFile);
  if (!bi) {
    if (!existsSync(biFile)) return {};
    bi = JSON.parse(readFileSync(biFile, "utf8")) as NonNullable<typeof bi>;
    buildInfoCache.set(biFile, bi);
  }
  const metadata = bi.output.contracts[artifact.sourceName]?.[artifact.contractName]?.metadata;
  if (!metadata) return {};
  const m = JSON.parse(metadata) as {
    output?: { userdoc?: { events?: Record<string, { notice?: string }> }; devdoc?: { events?: Record<string, { details?: string }> } };
  };
  const notes: Record<string, string> = {};
  for (const [sig, d] of Object.entries(m.output?.devdoc?.events ?? {})) if (d.details) notes[sig] = d.details;
  for (const [sig, d] of Object.entries(m.output?.userdoc?.events ?? {})) if (d.notice) notes[sig] = d.notice;
  return notes;
}
