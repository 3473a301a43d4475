/**
 * The gas-free usage ledger (node/gasfree/ledger.ts) on a real LevelDB: counts per account and sponsor per window,
 * a new window or window length starts from zero, blocks already counted are not counted twice, and the checkpoint
 * survives a reopen (a corrupt one is ignored).
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ClassicLevel } from "classic-level";
import { UsageLedger } from "../../node/gasfree/ledger";

const A = "0x00000000000000000000000000000000000000a1";
const B = "0x00000000000000000000000000000000000000b2";

describe("node/gasfree UsageLedger", function () {
  let dir: string;
  let level: ClassicLevel<string, Uint8Array>;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "luniverse-ledger-"));
    level = new ClassicLevel<string, Uint8Array>(dir, { valueEncoding: "view" });
    await level.open();
  });
  afterEach(async () => {
    await level.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("counts gas and reverts per account and gas per sponsor in the block's window; a new window starts from zero", () => {
    const l = new UsageLedger(level);
    const touched = l.count(1n, 3_600n, 60n, [
      { sender: A, sponsor: 1n, gasUsed: 21_000n, status: 1 },
      { sender: A, sponsor: 0n, gasUsed: 50_000n, status: 0 },
      { sender: B, sponsor: 1n, gasUsed: 30_000n, status: 1 },
    ]);
    expect([...touched]).to.deep.equal([A, B]);
    expect(l.window).to.equal(60n);
    expect(l.account(A, 60n)).to.deep.equal({ gas: 71_000n, reverts: 1 });
    expect(l.sponsor(1n, 60n)).to.equal(51_000n);
    expect(l.sponsor(0n, 60n)).to.equal(0n, "unsponsored gas is not a sponsor's");
    // the same block again is not counted twice
    expect(l.count(1n, 3_600n, 60n, [{ sender: A, sponsor: 1n, gasUsed: 1n, status: 1 }]).size).to.equal(0);
    expect(l.account(A, 60n).gas).to.equal(71_000n);
    // a window the ledger has not reached reads as zero; a block in it resets
    expect(l.account(A, 61n)).to.deep.equal({ gas: 0n, reverts: 0 });
    l.count(2n, 3_660n, 60n, [{ sender: B, sponsor: 0n, gasUsed: 21_000n, status: 1 }]);
    expect(l.window).to.equal(61n);
    expect(l.account(A, 61n).gas).to.equal(0n);
    expect(l.account(B, 61n).gas).to.equal(21_000n);
    expect(l.account(B, 60n).gas).to.equal(0n, "the past window is gone");
    // a new window length renumbers the windows: counts start over
    l.count(3n, 3_661n, 3_600n, [{ sender: B, sponsor: 0n, gasUsed: 5n, status: 1 }]);
    expect(l.window).to.equal(1n);
    expect(l.account(B, 1n).gas).to.equal(5n);
  });

  it("keeps its counts across a reopen through the checkpoint, and ignores an unreadable one", async () => {
    const l = new UsageLedger(level);
    expect(await l.load()).to.equal(-1n, "no checkpoint yet");
    l.count(7n, 120n, 60n, [{ sender: A, sponsor: 3n, gasUsed: 99_000n, status: 0 }]);
    await l.save();
    const again = new UsageLedger(level);
    expect(await again.load()).to.equal(7n);
    expect(again.windowSeconds).to.equal(60n);
    expect(again.account(A, 2n)).to.deep.equal({ gas: 99_000n, reverts: 1 });
    expect(again.sponsor(3n, 2n)).to.equal(99_000n);
    await level.put("gasfree:usage", new TextEncoder().encode("{not json"));
    const broken = new UsageLedger(level);
    expect(await broken.load()).to.equal(-1n);
    expect(broken.account(A, 2n).gas).to.equal(0n);
  });
});
