/**
 * The ABI stability gate: the committed snapshot matches the compiled contracts; a deliberate change of a public
 * function, event or error fails with a message naming it; the snapshot cannot be rewritten without a version bump;
 * docs/abi.md must list every public event.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import semver from "semver";
import { ROOT, SNAPSHOT_FILE, DOCS_FILE, checkAbi, checkAbiDocs, docsInput, packageVersion } from "../../scripts/check-abi";
import { renderAbiDocs } from "../../scripts/abi/docs";
import { abiSetOf, readPublicArtifacts, type AbiSet, type PublicArtifact } from "../../scripts/abi/publicAbis";
import { readSnapshot, updateSnapshot, type AbiSnapshot } from "../../scripts/abi/snapshot";

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

describe("ABI gate (package/abi-snapshot.json, docs/abi.md)", function () {
  let artifacts: PublicArtifact[];
  let current: AbiSet;
  let snapshot: AbiSnapshot;
  let version: string;

  before(function () {
    artifacts = readPublicArtifacts(ROOT);
    current = abiSetOf(artifacts);
    snapshot = readSnapshot(SNAPSHOT_FILE)!;
    version = packageVersion();
  });

  it("covers our contracts only: no mocks, no OpenZeppelin internals", function () {
    const names = Object.keys(current);
    expect(names).to.include.members(["ValidatorSet", "Slashing", "MainBridge", "ProductBridge", "StakingToken", "IValidatorSet", "AnchorRegistry"]);
    expect(names.filter((n) => /Mock$/.test(n))).to.deep.equal([]);
    for (const c of Object.values(current)) expect(c.source).to.match(/^contracts\/(?!mocks\/)/);
    expect(names).to.not.include.members(["ERC20", "AccessControlUpgradeable", "UUPSUpgradeable"]);
  });

  it("passes on the committed snapshot: same signatures, same version as package/package.json", function () {
    expect(snapshot, "package/abi-snapshot.json").to.not.equal(undefined);
    const r = checkAbi(current, snapshot, version);
    expect(r.problems).to.deep.equal([]);
    expect(r.ok).to.equal(true);
    expect(snapshot.version).to.equal(version);
  });

  it("records canonical signatures with mutability and outputs, events with indexed fields", function () {
    const vs = current.ValidatorSet!;
    expect(vs.functions["stake(uint256)"]).to.equal("nonpayable");
    expect(vs.functions["validatorsAt(uint256)"]).to.equal("view returns (address[])");
    expect(vs.events["Staked(address,address,uint256,uint256)"]).to.equal("event Staked(address indexed validator, address indexed from, uint256 amount, uint256 totalStake)");
    expect(Object.keys(vs.errors)).to.include("AccessControlUnauthorizedAccount(address,bytes32)");
  });

  it("fails when a function's parameter type changes, naming the old and the new signature", function () {
    const changed = clone(current);
    const fns = changed.ValidatorSet!.functions;
    fns["stake(uint128)"] = fns["stake(uint256)"]!;
    delete fns["stake(uint256)"];
    const r = checkAbi(changed, snapshot, version);
    expect(r.ok).to.equal(false);
    expect(r.problems.join("\n")).to.include("ValidatorSet: function stake(uint256) removed").and.include("ValidatorSet: function stake(uint128) added");
    expect(r.problems.join("\n")).to.include("npm run abi:snapshot").and.include("package/package.json");
  });

  it("fails when an event is removed, when an indexed flag moves, and when an error is added", function () {
    const changed = clone(current);
    delete changed.MainBridge!.events[Object.keys(changed.MainBridge!.events).find((k) => k.startsWith("Deposited("))!];
    changed.ValidatorSet!.events["Staked(address,address,uint256,uint256)"] = "event Staked(address indexed validator, address from, uint256 amount, uint256 totalStake)";
    changed.Slashing!.errors["SlashingNewProblem(uint256)"] = "error SlashingNewProblem(uint256 value)";
    const text = checkAbi(changed, snapshot, version).problems.join("\n");
    expect(text).to.match(/MainBridge: event Deposited\([^)]*\) removed/);
    expect(text).to.include("ValidatorSet: event Staked(address,address,uint256,uint256) changed");
    expect(text).to.include("Slashing: error SlashingNewProblem(uint256) added");
  });

  it("fails when a function's mutability or outputs change, or a contract disappears", function () {
    const changed = clone(current);
    changed.ValidatorSet!.functions["validatorsAt(uint256)"] = "view returns (address[],uint256)";
    delete changed.AnchorRegistry;
    const text = checkAbi(changed, snapshot, version).problems.join("\n");
    expect(text).to.include("ValidatorSet: function validatorsAt(uint256) changed (view returns (address[]) → view returns (address[],uint256))");
    expect(text).to.include("AnchorRegistry: contract removed");
  });

  it("fails when package/package.json's version is not the snapshot's", function () {
    const r = checkAbi(current, snapshot, "9.9.9");
    expect(r.ok).to.equal(false);
    expect(r.problems.join("\n")).to.include(`package/package.json is version 9.9.9 but package/abi-snapshot.json records ${snapshot.version}`);
  });

  it("fails when the snapshot was rewritten since the last commit without raising its version", function () {
    const previous = clone(snapshot);
    delete previous.contracts.ValidatorSet!.functions["stake(uint256)"];
    expect(checkAbi(current, snapshot, version, previous).problems.join("\n")).to.include("changed since the last commit").and.include(`not above ${previous.version}`);
    // the same change with a bump passes
    const higher = semver.inc(snapshot.version, "minor")!;
    const bumped = { ...clone(snapshot), version: higher };
    expect(checkAbi(current, bumped, higher, previous).problems).to.deep.equal([]);
  });

  it("abi:snapshot refuses to record a signature change without a version bump, and accepts it with one", function () {
    const changed = clone(current);
    delete changed.ValidatorSet!.functions["stake(uint256)"];
    expect(() => updateSnapshot(changed, snapshot, snapshot.version))
      .to.throw(/public ABI changed but package\/package.json is still version/)
      .with.property("code", "ABI_VERSION_NOT_BUMPED");
    const higher = semver.inc(snapshot.version, "minor")!;
    const { snapshot: next, differences } = updateSnapshot(changed, snapshot, higher);
    expect(next.version).to.equal(higher);
    expect(differences.map((d) => `${d.contract} ${d.kind} ${d.signature} ${d.change}`)).to.deep.equal(["ValidatorSet function stake(uint256) removed"]);
    // without a change only the version moves, and it may not go down
    expect(updateSnapshot(current, snapshot, snapshot.version).differences).to.deep.equal([]);
    expect(() => updateSnapshot(current, { ...snapshot, version: "1.0.0" }, "0.9.0")).to.throw(/lower than the snapshot's 1.0.0/);
  });

  it("docs/abi.md is what the generator writes and lists every public event", function () {
    const docs = readFileSync(DOCS_FILE, "utf8");
    expect(checkAbiDocs(current, docs, renderAbiDocs(docsInput(artifacts, version)))).to.deep.equal([]);
    expect(docs).to.include("`Deposited(bytes32,bytes32,address,address,uint256,uint256,uint256,uint256)`").and.include("relayers");
  });

  it("fails when docs/abi.md misses a public event, naming it", function () {
    const docs = readFileSync(DOCS_FILE, "utf8");
    const without = docs.split("\n").filter((l) => !l.includes("`RangeAnchored(")).join("\n");
    const problems = checkAbiDocs(current, without, docs);
    expect(problems.join("\n")).to.include("AnchorRegistry: event RangeAnchored(uint256,uint256,uint64,uint64,bytes32,address)");
    // a new event in a contract is missing until the docs are regenerated
    const added = clone(current);
    added.ValidatorSet!.events["Delegated(address,address)"] = "event Delegated(address indexed a, address indexed b)";
    expect(checkAbiDocs(added, docs, docs).join("\n")).to.include("ValidatorSet: event Delegated(address,address)");
    expect(checkAbiDocs(current, undefined, docs).join("\n")).to.include("docs/abi.md is missing");
  });

  it("the lint:abi command passes on the committed files and fails on a snapshot with a deliberate change", function () {
    this.timeout(60_000);
    const cli = ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts", "check-abi.ts")];
    const ok = spawnSync(process.execPath, cli, { cwd: ROOT, encoding: "utf8" });
    expect(ok.status, ok.stderr).to.equal(0);
    expect(ok.stdout).to.match(/ABI gate: \d+ public contracts, \d+ signatures match package\/abi-snapshot.json/);

    const dir = mkdtempSync(path.join(tmpdir(), "luniverse-abi-gate-"));
    try {
      // the snapshot as if ValidatorSet.stake took a uint128 and Slashing had no OffenceReported: the contracts "changed"
      const edited = clone(snapshot);
      const fns = edited.contracts.ValidatorSet!.functions;
      fns["stake(uint128)"] = fns["stake(uint256)"]!;
      delete fns["stake(uint256)"];
      const ev = Object.keys(edited.contracts.Slashing!.events).find((k) => k.startsWith("OffenceReported("))!;
      delete edited.contracts.Slashing!.events[ev];
      const file = path.join(dir, "abi-snapshot.json");
      writeFileSync(file, JSON.stringify(edited));
      const bad = spawnSync(process.execPath, [...cli, "--snapshot", file], { cwd: ROOT, encoding: "utf8" });
      expect(bad.status).to.equal(1);
      expect(bad.stderr).to.include("ABI gate failed");
      expect(bad.stderr).to.include("ValidatorSet: function stake(uint128) removed");
      expect(bad.stderr).to.include("ValidatorSet: function stake(uint256) added");
      expect(bad.stderr).to.include(`Slashing: event ${ev} added`);
      expect(bad.stderr).to.include("npm run abi:snapshot");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
