/**
 * The committed ABI snapshot (`package/abi-snapshot.json`): the public signatures of every contract and the package
 * version they belong to; differences between two ABI sets; and the one way to rewrite the snapshot.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import semver from "semver";
import { AbiGateError, type AbiSet, type ContractSignatures } from "./publicAbis";

export interface AbiSnapshot {
  /** Version of `@luniverse/contracts` these signatures belong to. */
  version: string;
  contracts: AbiSet;
}

export type SignatureKind = "function" | "event" | "error";

export interface AbiDifference {
  contract: string;
  /** `contract` when a whole contract appeared or disappeared. */
  kind: SignatureKind | "contract";
  /** Canonical `name(types)` (empty for a whole contract). */
  signature: string;
  change: "added" | "removed" | "changed";
  before?: string;
  after?: string;
}

const KINDS: [SignatureKind, keyof Omit<ContractSignatures, "source">][] = [
  ["function", "functions"],
  ["event", "events"],
  ["error", "errors"],
];

/** What changed from `before` to `after`, contract by contract, in a stable order. */
export function diffAbiSets(before: AbiSet, after: AbiSet): AbiDifference[] {
  const out: AbiDifference[] = [];
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  for (const contract of names) {
    const b = before[contract];
    const a = after[contract];
    if (!b || !a) {
      out.push({ contract, kind: "contract", signature: "", change: b ? "removed" : "added" });
      continue;
    }
    for (const [kind, field] of KINDS) {
      const sigs = [...new Set([...Object.keys(b[field]), ...Object.keys(a[field])])].sort();
      for (const signature of sigs) {
        const was = b[field][signature];
        const is = a[field][signature];
        if (was === undefined) out.push({ contract, kind, signature, change: "added", after: is });
        else if (is === undefined) out.push({ contract, kind, signature, change: "removed", before: was });
        else if (was !== is) out.push({ contract, kind, signature, change: "changed", before: was, after: is });
      }
    }
  }
  return out;
}

/** One line per difference: `ValidatorSet: function stake(uint256) removed`. */
export function describeDifference(d: AbiDifference): string {
  if (d.kind === "contract") return `${d.contract}: contract ${d.change}`;
  const head = `${d.contract}: ${d.kind} ${d.signature} ${d.change}`;
  return d.change === "changed" ? `${head} (${d.before} → ${d.after})` : head;
}

export function readSnapshot(file: string): AbiSnapshot | undefined {
  if (!existsSync(file)) return undefined;
  return parseSnapshot(readFileSync(file, "utf8"), file);
}

export function parseSnapshot(text: string, where: string): AbiSnapshot {
  let s: Partial<AbiSnapshot>;
  try {
    s = JSON.parse(text) as Partial<AbiSnapshot>;
  } catch (e) {
    throw new AbiGateError("ABI_SNAPSHOT_INVALID", `${where} is not JSON`, { details: (e as Error).message, hint: "restore it from git, then run `npm run abi:snapshot`" });
  }
  if (typeof s.version !== "string" || !semver.valid(s.version) || typeof s.contracts !== "object" || s.contracts === null) {
    throw new AbiGateError("ABI_SNAPSHOT_INVALID", `${where} is not an ABI snapshot (needs a semver "version" and "contracts")`, { hint: "restore it from git, then run `npm run abi:snapshot`" });
  }
  return s as AbiSnapshot;
}

export function formatSnapshot(s: AbiSnapshot): string {
  return JSON.stringify({ version: s.version, contracts: s.contracts }, null, 2) + "\n";
}

export function writeSnapshot(file: string, s: AbiSnapshot): void {
  writeFileSync(file, formatSnapshot(s));
}

export interface UpdateSnapshotResult {
  snapshot: AbiSnapshot;
  /** What changed since the previous snapshot (empty when only the version moved). */
  differences: AbiDifference[];
}

/**
 * The snapshot to commit for `current` at `packageVersion`. Refused when the signatures changed and the version was
 * not raised above the previous snapshot's, or when the version went down: a consumer must be able to tell from
 * the version alone that the interface changed.
 */
export function updateSnapshot(current: AbiSet, previous: AbiSnapshot | undefined, packageVersion: string): UpdateSnapshotResult {
  if (!semver.valid(packageVersion)) {
    throw new AbiGateError("ABI_VERSION_INVALID", `package/package.json version "${packageVersion}" is not a semantic version`);
  }
  const differences = previous ? diffAbiSets(previous.contracts, current) : [];
  if (previous && differences.length > 0 && !semver.gt(packageVersion, previous.version)) {
    throw new AbiGateError("ABI_VERSION_NOT_BUMPED", `the public ABI changed but package/package.json is still version ${packageVersion}`, {
      details: differences.map(describeDifference).join("; "),
      hint: `raise "version" in package/package.json above ${previous.version} (a removal or change is a breaking change), then run \`npm run abi:snapshot\` again`,
    });
  }
  if (previous && semver.lt(packageVersion, previous.version)) {
    throw new AbiGateError("ABI_VERSION_INVALID", `package/package.json version ${packageVersion} is lower than the snapshot's ${previous.version}`, {
      hint: "versions only go up",
    });
  }
  return { snapshot: { version: packageVersion, contracts: current }, differences };
}
