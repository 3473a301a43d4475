/**
 * The labels of the public sets bench:audit scores (bench/audit/labels/*.json) are well formed: every label names a
 * scanner category, lines and a reason, an SWC id of the registry's form, a file that is not also left out; and the
 * matching rule (same file, category or SWC id, within the line window) holds on both sides of its edges.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { HELD_OUT_DIR, ignored, loadLabelledSets, loadReview, matches, REVIEWED_DIR, verdictOf, type Label } from "../../bench/audit/labelled";
import type { Finding } from "../../audit/types";

describe("audit: labelled public sets (bench/audit/labels, and the held-out set in bench/audit/held-out)", function () {
  const tuning = loadLabelledSets();
  // the held-out set's labels are checked for form only: no test scans its files
  const heldOut = loadLabelledSets(HELD_OUT_DIR);
  const sets = [...tuning, ...heldOut];

  it("keeps the held-out set (DeFiVulnLabs) apart: in its own folder, fetched only by fetch-datasets.sh --held-out", function () {
    expect(heldOut.map((s) => s.folder)).to.deep.equal(["defivulnlabs"]);
    expect(tuning.some((s) => s.folder === "defivulnlabs")).to.equal(false);
    const fetchScript = fs.readFileSync(path.join(__dirname, "../../bench/audit/fetch-datasets.sh"), "utf8");
    const block = fetchScript.slice(fetchScript.indexOf('if [[ -n "$held_out" ]]'), fetchScript.indexOf("exit 0"));
    expect(block).to.include(`fetch defivulnlabs ${heldOut[0]!.repo} ${heldOut[0]!.commit}`);
  });

  it("has the public sets, each pinned to a commit and fetched by fetch-datasets.sh into its folder", function () {
    expect(tuning.map((s) => s.folder).sort()).to.deep.equal([
      "cyfrin-boss-bridge",
      "cyfrin-passwordstore",
      "cyfrin-puppy-raffle",
      "cyfrin-t-swap",
      "cyfrin-thunder-loan",
      "cyfrin-vault-guardians",
      "damn-vulnerable-defi",
      "ethernaut",
      "mr-steal-yo-crypto",
      "paradigm-ctf-2021",
      "paradigm-ctf-2022",
      "paradigm-ctf-2023",
      "quillctf",
      "rareskills-capture-the-ether",
      "rareskills-riddles",
      "sc-exploits-minimized",
      "sherlock-2023-01-cooler",
      "sherlock-2023-01-derby",
      "sherlock-2023-01-uxd",
      "sherlock-2023-02-bond",
      "sherlock-2023-02-kairos",
      "sherlock-2023-02-openq",
      "sherlock-2023-02-surge",
      "sherlock-2023-02-telcoin",
      "sherlock-2023-03-olympus",
      "sherlock-2023-03-teller",
      "sherlock-2023-03-y2k",
      "sherlock-2023-04-blueberry",
      "sherlock-2023-04-footium",
      "sherlock-2023-04-jojo",
      "sherlock-2023-05-dodo",
      "sherlock-2023-05-ironbank",
      "sherlock-2023-05-ussd",
      "sherlock-2023-06-arrakis",
      "sherlock-2023-06-bond-options",
      "sherlock-2023-06-dinari",
      "sherlock-2023-06-gfx",
      "sherlock-2023-06-symmetrical",
      "sherlock-2023-06-tokensoft",
      "sherlock-2023-07-kyber-swap",
      "sherlock-2023-08-cooler",
      "sherlock-2023-09-gitcoin",
      "sherlock-2023-10-looksrare",
      "sherlock-2023-10-real-wagmi",
      "sherlock-2023-11-convergence",
      "sherlock-2023-11-covalent",
      "sherlock-2023-12-dodo-gsp",
      "sherlock-2023-12-flatmoney",
      "sherlock-2023-12-ubiquity",
      "sherlock-2024-01-napier",
      "sherlock-2024-01-telcoin",
      "sherlock-2024-02-jala-swap",
      "sherlock-2024-02-radicalxchange",
      "sherlock-2024-02-smilee-finance",
      "sherlock-2024-03-amphor",
      "sherlock-2024-03-axis",
      "sherlock-2024-03-goat-trading",
      "sherlock-2024-03-woofi",
      "sherlock-2024-03-zap",
      "sherlock-2024-03-zivoe",
      "sherlock-2024-04-titles",
      "sherlock-2024-04-xkeeper",
      "sherlock-2024-05-gamma-staking",
      "sherlock-2024-05-midas",
      "sherlock-2024-05-pooltogether",
      "sherlock-2024-05-sophon",
      "sherlock-2024-06-magicsea",
      "sherlock-2024-06-mellow",
      "sherlock-2024-06-union",
      "sherlock-2024-06-velocimeter",
      "sherlock-2024-07-exactly",
      "sherlock-2024-08-midas-minter-redeemer",
      "sherlock-2024-08-saffron-finance",
      "sherlock-2024-08-winnables-raffles",
      "sherlock-2024-09-predict-fun",
      "sherlock-2024-11-autonomint",
      "sherlock-2024-11-debita-v3",
      "sherlock-2024-11-superfluid-locker",
      "sherlock-2024-11-teller-update",
      "sherlock-2024-12-numa",
      "sherlock-2024-12-plaza",
      "sherlock-2025-02-rova",
      "sherlock-2025-04-aegis",
      "sherlock-2025-05-layeredge",
      "sherlock-2025-05-usual-eth0",
      "sherlock-2025-07-allbridge-yield",
      "sherlock-2025-07-oku",
      "sol-bug-bench",
      "solidity-by-example",
    ]);
    const fetchScript = fs.readFileSync(path.join(__dirname, "../../bench/audit/fetch-datasets.sh"), "utf8");
    for (const s of sets) {
      expect(s.commit, s.name).to.match(/^[0-9a-f]{40}$/);
      expect(s.repo, s.name).to.match(/^[\w.-]+\/[\w.-]+$/);
      expect(s.labels.length, s.name).to.be.greaterThan(0);
      expect(fetchScript, s.name).to.include(`fetch ${s.folder} ${s.repo} ${s.commit}`);
    }
  });

  it("every label has lines, a reason, a registry-shaped SWC id, and a file that is not left out", function () {
    for (const s of sets) {
      const left = new Set(s.excluded.map((e) => e.file));
      for (const l of s.labels) {
        expect(l.lines.every((n) => Number.isInteger(n) && n > 0), `${s.name} ${l.file}`).to.equal(true);
        expect(l.why.length, `${s.name} ${l.file}`).to.be.greaterThan(10);
        if (l.swc !== undefined) expect(l.swc, `${s.name} ${l.file}`).to.match(/^SWC-1\d\d$/);
        expect(left.has(l.file), `${s.name} ${l.file} is both labelled and left out`).to.equal(false);
      }
      for (const e of s.excluded) expect(e.why.length, `${s.name} ${e.file}`).to.be.greaterThan(5);
    }
  });

  it("matches a finding of the label's category or SWC id within the window, and nothing else", function () {
    const label: Label = { file: "a/V.sol", lines: [10], category: "reentrancy", swc: "SWC-107", why: "ether sent before the debit" };
    const finding = (over: Partial<Finding>): Finding =>
      ({ file: "a/V.sol", lines: [11], category: "reentrancy", swc: ["SWC-107"], ...over }) as Finding;
    expect(matches(label, finding({}), 2)).to.equal(true);
    expect(matches(label, finding({ lines: [12] }), 2)).to.equal(true);
    expect(matches(label, finding({ lines: [13] }), 2)).to.equal(false);
    expect(matches(label, finding({ file: "b/V.sol" }), 2)).to.equal(false);
    expect(matches(label, finding({ category: "other", swc: [] }), 2)).to.equal(false);
    expect(matches(label, finding({ category: "other", swc: ["SWC-107"] }), 2)).to.equal(true);
    expect(matches({ ...label, swc: undefined }, finding({ category: "other", swc: ["SWC-107"] }), 2)).to.equal(false);
  });

  it("an ignored range (an attacker's contract) covers no labelled line and has a reason", function () {
    for (const s of sets) {
      for (const r of s.ignore ?? []) {
        expect(r.lines[0], `${s.name} ${r.file}`).to.be.at.most(r.lines[1]);
        expect(r.why.length, `${s.name} ${r.file}`).to.be.greaterThan(5);
        expect(s.labels.some((l) => l.file === r.file && l.lines.some((n) => n >= r.lines[0] && n <= r.lines[1])), `${s.name} ${r.file}`).to.equal(false);
      }
    }
  });

  it("leaves out of scoring only findings wholly inside an ignored range of their file", function () {
    const set = { ignore: [{ file: "a/V.sol", lines: [40, 60] as [number, number], why: "the attacker" }] };
    const finding = (file: string, lines: number[]): Finding => ({ file, lines }) as Finding;
    expect(ignored(set, finding("a/V.sol", [40, 60]))).to.equal(true);
    expect(ignored(set, finding("a/V.sol", [39, 45]))).to.equal(false);
    expect(ignored(set, finding("b/V.sol", [45]))).to.equal(false);
    expect(ignored({}, finding("a/V.sol", [45]))).to.equal(false);
  });

  it("refuses a label with an unknown category, naming the set and the file", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "labels-"));
    try {
      fs.writeFileSync(path.join(dir, "bad.json"), JSON.stringify({ labels: [{ file: "X.sol", lines: [1], category: "oops", why: "no such category" }], excluded: [] }));
      expect(() => loadLabelledSets(dir)).to.throw(/bad\.json: X\.sol: unknown category "oops"/);
      fs.writeFileSync(path.join(dir, "bad.json"), JSON.stringify({ labels: [{ file: "X.sol", lines: [], category: "other", why: "no lines given" }], excluded: [] }));
      expect(() => loadLabelledSets(dir)).to.throw(/bad\.json: X\.sol: a label needs at least one line/);
      const label = { file: "X.sol", lines: [5], category: "other", why: "a weakness" };
      fs.writeFileSync(path.join(dir, "bad.json"), JSON.stringify({ labels: [label], excluded: [], ignore: [{ file: "X.sol", lines: [9, 3], why: "backwards" }] }));
      expect(() => loadLabelledSets(dir)).to.throw(/bad\.json: X\.sol: an ignored range is \[from, to\] with 0 < from <= to/);
      fs.writeFileSync(path.join(dir, "bad.json"), JSON.stringify({ labels: [label], excluded: [], ignore: [{ file: "X.sol", lines: [1, 9], why: "covers it" }] }));
      expect(() => loadLabelledSets(dir)).to.throw(/bad\.json: X\.sol: ignored range 1-9 covers a labelled line/);
      fs.writeFileSync(path.join(dir, "bad.json"), JSON.stringify({ labels: [label], excluded: [], tokens: "weird" }));
      expect(() => loadLabelledSets(dir)).to.throw(/bad\.json: unknown value "weird" for "tokens": use "standard"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it("says for every audit contest what its README says about tokens (standard or any), in the README's words", function () {
    const contests = tuning.filter((s) => s.repo.startsWith("sherlock-audit/"));
    expect(contests.length).to.be.greaterThan(50);
    for (const s of contests) {
      expect(s.tokens, s.name).to.be.oneOf(["standard", "any"]);
      expect(s.tokensQuote ?? "", s.name).to.have.length.greaterThan(5);
    }
  });

  it("keeps a review per set (bench/audit/reviewed): each verdict real or false alarm, with lines and a reason", function () {
    const files = fs.readdirSync(REVIEWED_DIR).filter((f) => f.endsWith(".json"));
    expect(files.length).to.be.greaterThan(0);
    for (const f of files) {
      const folder = f.replace(/\.json$/, "");
      expect(tuning.some((s) => s.folder === folder), `${f} reviews a tuning set`).to.equal(true);
      const review = loadReview(folder)!;
      expect(review.set).to.equal(folder);
      for (const r of review.findings) {
        expect(r.detector, `${f} ${r.file}`).to.match(/^[a-z0-9-]+$/);
        expect(r.why.length, `${f} ${r.file}`).to.be.greaterThan(10);
      }
    }
  });

  it("keeps the review of the held-out run's unmatched findings beside its labels (15 real, 17 false alarms of 32)", function () {
    const review = loadReview("defivulnlabs-first-run", path.join(HELD_OUT_DIR, "review"))!;
    expect(review.findings.length).to.equal(32);
    expect(review.findings.filter((r) => r.verdict === "real").length).to.equal(15);
  });

  it("gives a verdict only to the finding reviewed (same file, detector and lines), and refuses an unknown verdict", function () {
    const review = { set: "s", reviewed: "today", findings: [{ file: "a/V.sol", lines: [3, 4], detector: "reentrancy", verdict: "real" as const, why: "the callee re-enters" }] };
    const finding = (over: Partial<Finding>): Finding => ({ file: "a/V.sol", lines: [3, 4], detector: "reentrancy", ...over }) as Finding;
    expect(verdictOf(review, finding({}))).to.equal("real");
    expect(verdictOf(review, finding({ lines: [3] }))).to.equal(undefined);
    expect(verdictOf(review, finding({ detector: "tx-origin-auth" }))).to.equal(undefined);
    expect(verdictOf(review, finding({ file: "b/V.sol" }))).to.equal(undefined);
    expect(verdictOf(undefined, finding({}))).to.equal(undefined);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reviewed-"));
    try {
      expect(loadReview("absent", dir)).to.equal(undefined);
      fs.writeFileSync(path.join(dir, "x.json"), JSON.stringify({ ...review, findings: [{ ...review.findings[0], verdict: "maybe" }] }));
      expect(() => loadReview("x", dir)).to.throw(/x\.json: a\/V\.sol: verdict must be "real" or "false-alarm", not "maybe"/);
      fs.writeFileSync(path.join(dir, "x.json"), JSON.stringify({ ...review, findings: [{ ...review.findings[0], lines: [] }] }));
      expect(() => loadReview("x", dir)).to.throw(/x\.json: a\/V\.sol: a reviewed finding needs its lines/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
