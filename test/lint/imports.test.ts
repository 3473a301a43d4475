import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const DEPCRUISE = path.join(ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs");

/** Runs the repository's import rules (`npm run lint:imports`' config) over the folders of `cwd`. */
function cruise(cwd: string, folders: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [DEPCRUISE, "--config", path.join(ROOT, ".dependency-cruiser.cjs"), "--output-type", "err-long", ...folders], {
    cwd,
    encoding: "utf8",
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("import rules (npm run lint:imports)", function () {
  this.timeout(60_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "luniverse-imports-"));
    symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "commonjs", esModuleInterop: true } }));
    const file = (rel: string, text: string): void => {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), text);
    };
    file("tasks/lib/task.ts", "export const task = 1;\n");
    file("test/fixtures/system.ts", "export const fixture = 1;\n");
    file("lib/good.ts", 'import { readFileSync } from "node:fs";\nexport const good = readFileSync;\n');
    file("ops/good.ts", 'import { good } from "../lib/good";\nexport const op = good;\n');
    file("ops/usesHardhat.ts", 'import { ethers } from "hardhat";\nexport const x = ethers;\n');
    file("lib/usesOps.ts", 'import { op } from "../ops/good";\nexport const y = op;\n');
    file("devnet/usesTasks.ts", 'import { task } from "../tasks/lib/task";\nexport const z = task;\n');
    file("bench/usesTest.ts", 'import { fixture } from "../test/fixtures/system";\nexport const w = fixture;\n');
    file("node/usesOps.ts", 'import { op } from "../ops/good";\nexport const v = op;\n');
    file("node/rpc/types.ts", "export type RpcBlock = { number: string };\n");
    file("node/storage/db.ts", "export const db = 1;\n");
    file("node/node.ts", 'import { db } from "./storage/db";\nexport const node = db;\n');
    file("node/chain/usesRpc.ts", 'import type { RpcBlock } from "../rpc/types";\nexport type B = RpcBlock;\n');
    file("node/execution/usesWiring.ts", 'import { node } from "../node";\nexport const w = node;\n');
    file("node/chain/good.ts", 'import { db } from "../storage/db";\nexport const c = db;\n');
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("passes on the repository itself", () => {
    const r = cruise(ROOT, ["lib", "ops", "node", "deploy", "services", "devnet", "bench", "tasks", "audit", "hardhat.config.ts"]);
    expect(r.status, r.out).to.equal(0);
  });

  it("passes on modules that follow the layers", () => {
    const r = cruise(dir, ["lib/good.ts", "ops/good.ts", "node/chain/good.ts", "node/node.ts"]);
    expect(r.status, r.out).to.equal(0);
  });

  it("fails an operation that imports hardhat, naming the rule and its reason", () => {
    const r = cruise(dir, ["ops/usesHardhat.ts"]);
    expect(r.status).to.not.equal(0);
    expect(r.out).to.match(/no-hardhat-below-tasks: ops\/usesHardhat\.ts → \S*node_modules\/hardhat\//);
    expect(r.out.replace(/\s+/g, " ")).to.include("without Hardhat's runtime");
  });

  it("fails lib importing ops, devnet importing tasks, bench importing test, node importing ops", () => {
    const r = cruise(dir, ["lib/usesOps.ts", "devnet/usesTasks.ts", "bench/usesTest.ts", "node/usesOps.ts"]);
    expect(r.status).to.not.equal(0);
    expect(r.out).to.match(/lib-is-the-bottom: lib\/usesOps\.ts → ops\/good\.ts/);
    expect(r.out).to.match(/no-tasks-outside-tasks: devnet\/usesTasks\.ts → tasks\/lib\/task\.ts/);
    expect(r.out).to.match(/no-test-outside-test: bench\/usesTest\.ts → test\/fixtures\/system\.ts/);
    expect(r.out).to.match(/node-on-lib-only: node\/usesOps\.ts → ops\/good\.ts/);
  });

  it("fails the node's lower layers reaching up: chain importing rpc's wire types, execution importing the wiring", () => {
    const r = cruise(dir, ["node/chain/usesRpc.ts", "node/execution/usesWiring.ts"]);
    expect(r.status).to.not.equal(0);
    expect(r.out).to.match(/node-layers-downward: node\/chain\/usesRpc\.ts → node\/rpc\/types\.ts/);
    expect(r.out).to.match(/node-root-is-wiring: node\/execution\/usesWiring\.ts → node\/node\.ts/);
  });
});
