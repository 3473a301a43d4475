/**
 * The ABI stability gate (`npm run lint:abi`, part of `npm run lint`): the public functions, events and errors of
 * the compiled contracts must equal those recorded in package/abi-snapshot.json, the snapshot must belong to the
 * version in package/package.json, a snapshot changed since the last commit must carry a higher version, and
 * docs/abi.md must list every public event (it is regenerated and compared).
 *
 *   npx ts-node --transpile-only scripts/check-abi.ts
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import semver from "semver";
import { renderAbiDocs, docContract, missingFromDocs, type AbiDocsInput } from "./abi/docs";
import { abiSetOf, readEventNotes, readPublicArtifacts, type AbiSet, type PublicArtifact } from "./abi/publicAbis";
import { describeDifference, diffAbiSets, parseSnapshot, readSnapshot, type AbiDifference, type AbiSnapshot } from "./abi/snapshot";
import { parseCommandLine } from "../lib/args";
import { errorMessage } from "../lib/errors";

export const ROOT = path.resolve(__dirname, "..");
export const SNAPSHOT_FILE = path.join(ROOT, "package", "abi-snapshot.json");
export const DOCS_FILE = path.join(ROOT, "docs", "abi.md");
export const PACKAGE_JSON = path.join(ROOT, "package", "package.json");

const UPDATE_HINT = "if the change is intended, raise \"version\" in package/package.json and run `npm run abi:snapshot`, then commit package/package.json, package/abi-snapshot.json and docs/abi.md with the contracts";

export interface CheckAbiResult {
  ok: boolean;
  /** Signatures of `current` that differ from the snapshot. */
  differences: AbiDifference[];
  /** Every reason the gate fails, each a sentence that says what to do. */
  problems: string[];
}

/**
 * Compares the compiled ABI set with the committed snapshot. Pure: `previous` is the snapshot as of the last commit
 * (when known), so a snapshot rewritten without a version bump is caught even if it matches the contracts.
 */
export function checkAbi(current: AbiSet, snapshot: AbiSnapshot, packageVersion: string, previous?: AbiSnapshot): CheckAbiResult {
  const problems: string[] = [];
  const differences = diffAbiSets(snapshot.contracts, current);
  if (differences.length > 0) {
    problems.push(
      `the public ABI differs from package/abi-snapshot.json (version ${snapshot.version}):\n` +
        differences.map((d) => `  ${describeDifference(d)}`).join("\n") +
        `\n${UPDATE_HINT}`,
    );
  }
  if (snapshot.version !== packageVersion) {
    problems.push(`package/package.json is version ${packageVersion} but package/abi-snapshot.json records ${snapshot.version}: run \`npm run abi:snapshot\``);
  }
  if (previous) {
    const changed = diffAbiSets(previous.contracts, snapshot.contracts);
    if (changed.length > 0 && !(semver.valid(snapshot.version) && semver.gt(snapshot.version, previous.version))) {
      problems.push(
        `package/abi-snapshot.json changed since the last commit (${changed.map(describeDifference).join("; ")}) but its version ${snapshot.version} is not above ${previous.version}: ` +
          "raise \"version\" in package/package.json and run `npm run abi:snapshot`",
      );
    }
  }
  return { ok: problems.length === 0, differences, problems };
}

/** Whether docs/abi.md lists every public event and is what the generator writes now. Pure. */
export function checkAbiDocs(current: AbiSet, docsText: string | undefined, expectedDocs: string): string[] {
  if (docsText === undefined) return ["docs/abi.md is missing: run `npm run abi:snapshot`"];
  const missing = missingFromDocs(current, docsText);
  if (missing.length > 0) {
    return [`docs/abi.md does not list ${missing.length} public event(s):\n${missing.map((m) => `  ${m}`).join("\n")}\nrun \`npm run abi:snapshot\` to regenerate it`];
  }
  if (docsText !== expectedDocs) {
    return ["docs/abi.md is out of date (an event's NatSpec, scripts/abi/followers.ts or the package version changed): run `npm run abi:snapshot`"];
  }
  return [];
}

export function packageVersion(file = PACKAGE_JSON): string {
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

export function docsInput(artifacts: PublicArtifact[], version: string): AbiDocsInput {
  return { version, contracts: artifacts.map((a) => docContract(a, readEventNotes(a))) };
}

function gitShow(root: string, ref: string, rel: string): string | undefined {
  const r = spawnSync("git", ["show", `${ref}:${rel}`], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return r.status === 0 ? r.stdout : undefined;
}

/**
 * The snapshot as of the last commit that the working one is to be compared with: HEAD's when the working file
 * differs from it (an uncommitted change), else HEAD~1's (the change HEAD made, as CI sees it). Undefined without git
 * history (a shallow clone) or before the snapshot's first commit.
 */
export function lastCommittedSnapshot(root: string, file: string): { snapshot: AbiSnapshot; ref: string } | undefined {
  const rel = path.relative(root, file);
  const head = gitShow(root, "HEAD", rel);
  if (head === undefined) return undefined;
  const working = existsSync(file) ? readFileSync(file, "utf8") : "";
  const ref = head !== working ? "HEAD" : "HEAD~1";
  const text = ref === "HEAD" ? head : gitShow(root, "HEAD~1", rel);
  if (text === undefined) return undefined;
  try {
    return { snapshot: parseSnapshot(text, `${ref}:${rel}`), ref };
  } catch {
    return undefined;
  }
}

const USAGE = "usage: check-abi [--snapshot package/abi-snapshot.json] [--docs docs/abi.md] [--package-json package/package.json]";

function main(argv: string[]): void {
  const { values } = parseCommandLine(argv, { snapshot: { type: "string" }, docs: { type: "string" }, "package-json": { type: "string" } }, USAGE);
  const snapshotFile = path.resolve(values.snapshot ?? SNAPSHOT_FILE);
  const docsFile = path.resolve(values.docs ?? DOCS_FILE);
  const artifacts = readPublicArtifacts(ROOT);
  const current = abiSetOf(artifacts);
  const version = packageVersion(path.resolve(values["package-json"] ?? PACKAGE_JSON));
  const snapshot = readSnapshot(snapshotFile);
  if (!snapshot) {
    console.error(`ABI gate: ${path.relative(ROOT, snapshotFile)} is missing: run \`npm run abi:snapshot\``);
    process.exit(1);
  }
  // the last committed snapshot, only for the committed file (another file has no history)
  const previous = snapshotFile === SNAPSHOT_FILE ? lastCommittedSnapshot(ROOT, SNAPSHOT_FILE) : undefined;
  const result = checkAbi(current, snapshot, version, previous?.snapshot);
  const docsText = existsSync(docsFile) ? readFileSync(docsFile, "utf8") : undefined;
  const docProblems = checkAbiDocs(current, docsText, renderAbiDocs(docsInput(artifacts, version)));
  const problems = [...result.problems, ...docProblems];
  if (problems.length > 0) {
    console.error(`ABI gate failed:\n${problems.map((p) => `- ${p}`).join("\n")}`);
    process.exit(1);
  }
  const count = Object.values(current).reduce((n, c) => n + Object.keys(c.functions).length + Object.keys(c.events).length + Object.keys(c.errors).length, 0);
  console.log(`ABI gate: ${artifacts.length} public contracts, ${count} signatures match ${path.relative(ROOT, snapshotFile)} (version ${version}); ${path.relative(ROOT, docsFile)} lists every event`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(`ABI gate: ${errorMessage(e)}`);
    process.exit(1);
  }
}
