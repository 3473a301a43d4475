import { expect } from "chai";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CacheConfigError, ResponseCache, cacheKey, isCacheableResult } from "../../../services/gateway/cache";

const CHAIN = "2018";
const FIN = 100n; // the finalized block in these tests
const H = `0x${"ab".repeat(32)}`;
const H_UPPER = `0x${"AB".repeat(32)}`;
const ADDR = "0x00000000000000000000000000000000000000aa";
const TAGS = ["latest", "pending", "safe", "finalized", "earliest"];

function key(method: string, params: unknown[]): string | null {
  return cacheKey(CHAIN, method, params, FIN);
}

describe("gateway cache keys (cacheKey)", function () {
  it("gives a key to eth_chainId and net_version whatever their (absent) parameters", function () {
    expect(key("eth_chainId", [])).to.be.a("string");
    expect(key("net_version", [])).to.equal(key("net_version", []));
    expect(cacheKey("2018", "eth_chainId", [], 0n)).to.not.equal(cacheKey("2019", "eth_chainId", [], 0n));
  });

  it("keys eth_getBlockByNumber at a final number and normalises the number (case, leading zeros)", function () {
    const k = key("eth_getBlockByNumber", ["0x64", false]);
    expect(k).to.be.a("string");
    expect(key("eth_getBlockByNumber", ["0x064", false])).to.equal(k);
    expect(key("eth_getBlockByNumber", ["0X64".replace("X", "x"), false])).to.equal(k);
    expect(key("eth_getBlockByNumber", ["0x0A", false])).to.equal(key("eth_getBlockByNumber", ["0xa", false]));
    expect(key("eth_getBlockByNumber", ["0x64", true])).to.not.equal(k);
  });

  it("refuses a block number beyond the finalized one", function () {
    expect(key("eth_getBlockByNumber", ["0x65", false])).to.equal(null);
    expect(key("eth_getBlockTransactionCountByNumber", ["0x65"])).to.equal(null);
    expect(key("eth_getTransactionByBlockNumberAndIndex", ["0x65", "0x0"])).to.equal(null);
    expect(key("eth_getBlockReceipts", ["0x65"])).to.equal(null);
    expect(key("eth_getBalance", [ADDR, "0x65"])).to.equal(null);
  });

  it("refuses every block tag for every method that takes a block", function () {
    for (const tag of TAGS) {
      expect(key("eth_getBlockByNumber", [tag, false]), tag).to.equal(null);
      expect(key("eth_getBlockTransactionCountByNumber", [tag]), tag).to.equal(null);
      expect(key("eth_getTransactionByBlockNumberAndIndex", [tag, "0x0"]), tag).to.equal(null);
      expect(key("eth_getBlockReceipts", [tag]), tag).to.equal(null);
      expect(key("eth_getLogs", [{ fromBlock: "0x1", toBlock: tag }]), tag).to.equal(null);
      expect(key("eth_getLogs", [{ fromBlock: tag, toBlock: "0x1" }]), tag).to.equal(null);
      expect(key("eth_call", [{ to: ADDR, data: "0x" }, tag]), tag).to.equal(null);
      expect(key("eth_getBalance", [ADDR, tag]), tag).to.equal(null);
      expect(key("eth_getCode", [ADDR, tag]), tag).to.equal(null);
      expect(key("eth_getStorageAt", [ADDR, "0x0", tag]), tag).to.equal(null);
      expect(key("eth_getTransactionCount", [ADDR, tag]), tag).to.equal(null);
      expect(key("eth_getBalance", [ADDR, { blockNumber: tag }]), `{ blockNumber: ${tag} }`).to.equal(null);
    }
  });

  it("refuses state reads and calls without a block parameter (= latest)", function () {
    expect(key("eth_call", [{ to: ADDR, data: "0x" }])).to.equal(null);
    expect(key("eth_getBalance", [ADDR])).to.equal(null);
    expect(key("eth_getCode", [ADDR])).to.equal(null);
    expect(key("eth_getStorageAt", [ADDR, "0x0"])).to.equal(null);
    expect(key("eth_getTransactionCount", [ADDR])).to.equal(null);
  });

  it("refuses eth_getLogs without both ends of the range (a missing end is latest)", function () {
    expect(key("eth_getLogs", [{ fromBlock: "0x1" }])).to.equal(null);
    expect(key("eth_getLogs", [{ toBlock: "0x1" }])).to.equal(null);
    expect(key("eth_getLogs", [{ address: ADDR }])).to.equal(null);
    expect(key("eth_getLogs", [{ fromBlock: "0x1", toBlock: "0x65" }])).to.equal(null);
    expect(key("eth_getLogs", [{ fromBlock: "0x1", toBlock: "0x2", blockHash: H }]), "blockHash with a range is invalid").to.equal(null);
    expect(key("eth_getLogs", [{ fromBlock: "0x1", toBlock: "0x2", weird: 1 }]), "unknown filter field").to.equal(null);
  });

  it("keys eth_getLogs on a final range or a blockHash, canonically (key order, case, leading zeros)", function () {
    const k = key("eth_getLogs", [{ fromBlock: "0x01", toBlock: "0x64", address: ADDR.toUpperCase().replace("0X", "0x"), topics: [H_UPPER, null] }]);
    expect(k).to.be.a("string");
    expect(key("eth_getLogs", [{ topics: [H, null], address: ADDR, toBlock: "0x64", fromBlock: "0x1" }])).to.equal(k);
    expect(key("eth_getLogs", [{ blockHash: H_UPPER }])).to.equal(key("eth_getLogs", [{ blockHash: H }]));
  });

  it("keys the lookups by hash and by number and index", function () {
    for (const [m, p] of [
      ["eth_getBlockByHash", [H, false]],
      ["eth_getBlockTransactionCountByHash", [H]],
      ["eth_getBlockTransactionCountByNumber", ["0x1"]],
      ["eth_getTransactionByHash", [H]],
      ["eth_getTransactionReceipt", [H]],
      ["eth_getTransactionByBlockNumberAndIndex", ["0x1", "0x0"]],
      ["eth_getTransactionByBlockHashAndIndex", [H, "0x0"]],
      ["eth_getBlockReceipts", ["0x1"]],
      ["eth_getBlockReceipts", [H]],
      ["eth_getBlockReceipts", [{ blockHash: H }]],
    ] as const) {
      expect(key(m, [...p]), m).to.be.a("string");
    }
    expect(key("eth_getTransactionByHash", [H_UPPER])).to.equal(key("eth_getTransactionByHash", [H]));
    expect(key("eth_getTransactionByBlockHashAndIndex", [H, "0x00"])).to.equal(key("eth_getTransactionByBlockHashAndIndex", [H, "0x0"]));
    expect(key("eth_getTransactionByHash", ["0x1234"]), "not a 32-byte hash").to.equal(null);
    expect(key("eth_getBlockByHash", [H]), "missing the full-transactions flag").to.equal(null);
    expect(key("eth_getBlockByNumber", [H, false]), "a hash where a number is expected").to.equal(null);
    expect(key("eth_getBlockByNumber", [{ blockNumber: "0x1" }, false]), "an EIP-1898 object where a number is expected").to.equal(null);
  });

  it("keys state reads and calls at a final number, a block hash or an EIP-1898 object", function () {
    const call = { to: ADDR, data: "0x70a08231000000000000000000000000000000000000000000000000000000000000AAAA" };
    expect(key("eth_call", [call, "0x64"])).to.be.a("string");
    expect(key("eth_call", [call, H])).to.be.a("string");
    expect(key("eth_call", [call, { blockHash: H }])).to.be.a("string");
    expect(key("eth_call", [call, { blockHash: H, requireCanonical: true }])).to.be.a("string");
    expect(key("eth_call", [call, { blockNumber: "0x64" }])).to.be.a("string");
    expect(key("eth_call", [call, { blockNumber: "0x65" }])).to.equal(null);
    expect(key("eth_call", [call, { blockNumber: "0x1", blockHash: H }]), "both number and hash").to.equal(null);
    // data keeps its leading zeros (bytes), only its case is normalised; key order does not matter
    expect(key("eth_call", [{ data: call.data.toLowerCase(), to: ADDR }, "0x64"])).to.equal(key("eth_call", [call, "0x64"]));
    expect(key("eth_call", [{ ...call, data: "0x0070a08231" }, "0x64"])).to.not.equal(key("eth_call", [{ ...call, data: "0x70a08231" }, "0x64"]));
    expect(key("eth_getBalance", [ADDR, "0x1"])).to.be.a("string");
    expect(key("eth_getCode", [ADDR, H])).to.be.a("string");
    expect(key("eth_getTransactionCount", [ADDR, { blockNumber: "0x2" }])).to.be.a("string");
    expect(key("eth_getStorageAt", [ADDR, "0x0", "0x1"])).to.equal(key("eth_getStorageAt", [ADDR, `0x${"00".repeat(32)}`, "0x01"]));
    expect(key("eth_getBalance", [ADDR, "0x1"])).to.not.equal(key("eth_getCode", [ADDR, "0x1"]));
  });

  it("never keys sends, filters, subscriptions, head queries or unknown methods", function () {
    for (const [m, p] of [
      ["eth_sendRawTransaction", ["0x02f8"]],
      ["eth_sendTransaction", [{}]],
      ["eth_newFilter", [{ fromBlock: "0x1", toBlock: "0x2" }]],
      ["eth_getFilterChanges", ["0x1"]],
      ["eth_getFilterLogs", ["0x1"]],
      ["eth_subscribe", ["newHeads"]],
      ["eth_blockNumber", []],
      ["eth_gasPrice", []],
      ["eth_estimateGas", [{ to: ADDR }, "0x1"]],
      ["debug_traceTransaction", [H]],
    ] as const) {
      expect(key(m, [...p]), m).to.equal(null);
    }
    expect(cacheKey(CHAIN, "eth_getBalance", "nope" as unknown as unknown[], FIN)).to.equal(null);
  });
});

describe("gateway cache results (isCacheableResult)", function () {
  it("never keeps null (a transaction not known yet may appear later)", function () {
    expect(isCacheableResult("eth_getTransactionByHash", null, FIN)).to.equal(false);
    expect(isCacheableResult("eth_getBlockByNumber", null, FIN)).to.equal(false);
    expect(isCacheableResult("eth_getTransactionReceipt", undefined, FIN)).to.equal(false);
  });

  it("keeps lookups by hash only when their block is final", function () {
    expect(isCacheableResult("eth_getTransactionByHash", { hash: H, blockNumber: "0x64" }, FIN)).to.equal(true);
    expect(isCacheableResult("eth_getTransactionByHash", { hash: H, blockNumber: "0x65" }, FIN)).to.equal(false);
    expect(isCacheableResult("eth_getTransactionByHash", { hash: H, blockNumber: null }, FIN), "pending").to.equal(false);
    expect(isCacheableResult("eth_getTransactionReceipt", { blockNumber: "0x1", status: "0x1" }, FIN)).to.equal(true);
    expect(isCacheableResult("eth_getTransactionReceipt", { blockNumber: "0x66" }, FIN)).to.equal(false);
    expect(isCacheableResult("eth_getBlockByHash", { number: "0x10", hash: H }, FIN)).to.equal(true);
    expect(isCacheableResult("eth_getBlockByHash", { number: "0x100", hash: H }, FIN)).to.equal(false);
    expect(isCacheableResult("eth_getTransactionByBlockHashAndIndex", { blockNumber: "0x64" }, FIN)).to.equal(true);
    expect(isCacheableResult("eth_getTransactionByBlockHashAndIndex", { blockNumber: "0x65" }, FIN)).to.equal(false);
  });

  it("keeps lists (logs, block receipts) only when every item's block is final", function () {
    expect(isCacheableResult("eth_getLogs", [{ blockNumber: "0x1" }, { blockNumber: "0x64" }], FIN)).to.equal(true);
    expect(isCacheableResult("eth_getLogs", [{ blockNumber: "0x1" }, { blockNumber: "0x65" }], FIN)).to.equal(false);
    expect(isCacheableResult("eth_getBlockReceipts", [{ blockNumber: "0x64" }], FIN, [H])).to.equal(true);
    expect(isCacheableResult("eth_getBlockReceipts", [{ blockNumber: "0x65" }], FIN, [H])).to.equal(false);
    expect(isCacheableResult("eth_getLogs", { not: "a list" }, FIN)).to.equal(false);
  });

  it("keeps an empty list only for a request by number (given its parameters), not by hash", function () {
    expect(isCacheableResult("eth_getLogs", [], FIN), "without parameters").to.equal(false);
    expect(isCacheableResult("eth_getLogs", [], FIN, [{ fromBlock: "0x1", toBlock: "0x64" }])).to.equal(true);
    expect(isCacheableResult("eth_getLogs", [], FIN, [{ blockHash: H }])).to.equal(false);
    expect(isCacheableResult("eth_getBlockReceipts", [], FIN, ["0x5"])).to.equal(true);
    expect(isCacheableResult("eth_getBlockReceipts", [], FIN, [{ blockNumber: "0x5" }])).to.equal(true);
    expect(isCacheableResult("eth_getBlockReceipts", [], FIN, [H])).to.equal(false);
  });

  it("checks the request again against the answering node's finalized block when given the parameters", function () {
    // keyed with the pool's finalized block (100), answered by a node that knows only 50 as final: [] may be a lie
    const params = [{ fromBlock: "0x40", toBlock: "0x60" }];
    expect(key("eth_getLogs", params)).to.be.a("string");
    expect(isCacheableResult("eth_getLogs", [], 50n, params)).to.equal(false);
    expect(isCacheableResult("eth_getBlockByNumber", { number: "0x60" }, 50n, ["0x60", false])).to.equal(false);
    expect(isCacheableResult("eth_getBlockByNumber", { number: "0x30" }, 50n, ["0x30", false])).to.equal(true);
  });

  it("keeps other non-null answers (numbers, code, call results, chain id)", function () {
    expect(isCacheableResult("eth_getBalance", "0x0", FIN)).to.equal(true);
    expect(isCacheableResult("eth_call", "0x", FIN)).to.equal(true);
    expect(isCacheableResult("eth_chainId", "0x7e2", FIN)).to.equal(true);
    expect(isCacheableResult("eth_getBlockTransactionCountByHash", "0x3", FIN)).to.equal(true);
  });
});

describe("gateway response cache (ResponseCache)", function () {
  let dir: string;
  beforeEach(function () {
    dir = mkdtempSync(path.join(os.tmpdir(), "gateway-cache-"));
  });
  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  /** A key and a value whose entry (key + value bytes) is exactly `bytes` long. */
  function entry(i: number, bytes = 100): [string, string] {
    const k = `k${String(i).padStart(3, "0")}`;
    return [k, `"${"x".repeat(bytes - k.length - 2)}"`];
  }

  function filesUnder(root: string): string[] {
    if (!existsSync(root)) return [];
    return readdirSync(root).flatMap((shard) => readdirSync(path.join(root, shard)).map((f) => path.join(shard, f)));
  }

  it("serves what was set and counts hits and misses", function () {
    const c = new ResponseCache({ maxBytes: 10_000 });
    expect(c.get("a")).to.equal(undefined);
    c.set("a", '"0x1"');
    expect(c.get("a")).to.equal('"0x1"');
    expect(c.stats()).to.deep.include({ hits: 1, misses: 1, entries: 1, bytes: 1 + 5, diskEntries: 0, diskBytes: 0 });
  });

  it("keeps its bytes (keys + values) within maxBytes and evicts the least recently used first", function () {
    const c = new ResponseCache({ maxBytes: 1000 });
    for (let i = 0; i < 10; i++) c.set(...entry(i));
    expect(c.stats()).to.deep.include({ entries: 10, bytes: 1000 });
    expect(c.get(entry(0)[0])).to.equal(entry(0)[1]); // 0 is now the most recently used
    c.set(...entry(10));
    c.set(...entry(11));
    expect(c.stats()).to.deep.include({ entries: 10, bytes: 1000 });
    expect(c.get(entry(1)[0]), "oldest unused: evicted").to.equal(undefined);
    expect(c.get(entry(2)[0]), "second oldest: evicted").to.equal(undefined);
    expect(c.get(entry(0)[0]), "used recently: kept").to.equal(entry(0)[1]);
    expect(c.get(entry(3)[0])).to.equal(entry(3)[1]);
    // a larger entry evicts as many as it needs
    c.set(...entry(12, 350));
    expect(c.stats().bytes).to.be.at.most(1000);
    expect(c.get(entry(4)[0])).to.equal(undefined);
    expect(c.get(entry(12)[0])).to.equal(entry(12, 350)[1]);
  });

  it("does not keep an entry larger than the memory tier when there is no disk tier", function () {
    const c = new ResponseCache({ maxBytes: 100 });
    c.set(...entry(1, 101));
    expect(c.stats()).to.deep.include({ entries: 0, bytes: 0 });
    expect(c.get(entry(1)[0])).to.equal(undefined);
  });

  it("spills entries evicted from memory to sharded sha256-named files and promotes them back on getAsync", async function () {
    const c = new ResponseCache({ maxBytes: 300, diskDir: dir, maxDiskBytes: 100_000 });
    for (let i = 0; i < 5; i++) c.set(...entry(i));
    await c.flush();
    expect(c.stats()).to.deep.include({ entries: 3, diskEntries: 2 });
    const [k0, v0] = entry(0);
    const name = createHash("sha256").update(k0).digest("hex");
    const file = path.join(dir, name.slice(0, 2), name);
    expect(readFileSync(file, "utf8")).to.equal(`${k0}\n${v0}`);
    expect(filesUnder(dir)).to.have.length(2);

    expect(c.get(k0), "get() reads memory only").to.equal(undefined);
    expect(await c.getAsync(k0)).to.equal(v0);
    expect(c.get(k0), "promoted into memory").to.equal(v0);
    expect(c.stats()).to.deep.include({ diskHits: 1, entries: 3 });
    expect(await c.getAsync("never-set")).to.equal(undefined);
  });

  it("bounds the disk tier by maxDiskBytes, removing the oldest files first", async function () {
    // file = key + "\n" + value = 101 bytes; memory holds 1 entry, disk 3 files
    const c = new ResponseCache({ maxBytes: 100, diskDir: dir, maxDiskBytes: 303 });
    for (let i = 0; i < 6; i++) {
      c.set(...entry(i));
      await c.flush();
    }
    const s = c.stats();
    expect(s).to.deep.include({ entries: 1, diskEntries: 3, diskBytes: 303 });
    expect(filesUnder(dir)).to.have.length(3);
    expect(await c.getAsync(entry(0)[0]), "oldest file removed").to.equal(undefined);
    expect(await c.getAsync(entry(1)[0])).to.equal(undefined);
    expect(await c.getAsync(entry(2)[0])).to.equal(entry(2)[1]);
    expect(await c.getAsync(entry(4)[0])).to.equal(entry(4)[1]);
  });

  it("writes an entry larger than the memory tier straight to disk", async function () {
    const c = new ResponseCache({ maxBytes: 100, diskDir: dir, maxDiskBytes: 10_000 });
    const [k, v] = entry(1, 500);
    c.set(k, v);
    await c.flush();
    expect(c.stats()).to.deep.include({ entries: 0, diskEntries: 1 });
    expect(await c.getAsync(k)).to.equal(v);
    expect(c.stats().entries, "too large to promote").to.equal(0);
  });

  it("serves an evicted entry while its file is still being written", async function () {
    const c = new ResponseCache({ maxBytes: 100, diskDir: dir, maxDiskBytes: 10_000 });
    c.set(...entry(1));
    c.set(...entry(2)); // evicts 1: write started, not finished
    expect(c.get(entry(1)[0])).to.equal(entry(1)[1]);
    await c.flush();
  });

  it("clear() empties both tiers and removes the files", async function () {
    const c = new ResponseCache({ maxBytes: 200, diskDir: dir, maxDiskBytes: 10_000 });
    for (let i = 0; i < 5; i++) c.set(...entry(i));
    await c.flush();
    expect(filesUnder(dir).length).to.be.greaterThan(0);
    c.clear();
    await c.flush();
    expect(c.stats()).to.deep.include({ entries: 0, bytes: 0, diskEntries: 0, diskBytes: 0 });
    expect(filesUnder(dir)).to.deep.equal([]);
    expect(await c.getAsync(entry(0)[0])).to.equal(undefined);
  });

  it("removes a previous process's cache files at start and leaves other files alone", async function () {
    const shard = path.join(dir, "ab");
    mkdirSync(shard);
    writeFileSync(path.join(shard, "ab".repeat(32)), "stale\nvalue");
    writeFileSync(path.join(dir, "README"), "not ours");
    const c = new ResponseCache({ maxBytes: 100, diskDir: dir });
    expect(existsSync(path.join(shard, "ab".repeat(32)))).to.equal(false);
    expect(readFileSync(path.join(dir, "README"), "utf8")).to.equal("not ours");
    expect(c.stats().diskEntries).to.equal(0);
  });

  it("with maxBytes 0 keeps nothing in memory and everything on disk", async function () {
    const c = new ResponseCache({ maxBytes: 0, diskDir: dir, maxDiskBytes: 10_000 });
    c.set("a", '"0x1"');
    expect(c.get("a"), "served while its file is written").to.equal('"0x1"');
    await c.flush();
    expect(c.get("a")).to.equal(undefined);
    expect(await c.getAsync("a")).to.equal('"0x1"');
  });

  it("rejects negative or fractional sizes with a CacheConfigError naming the option", function () {
    expect(() => new ResponseCache({ maxBytes: -1 })).to.throw(CacheConfigError, /cache\.maxBytes/);
    expect(() => new ResponseCache({ maxBytes: 10, maxDiskBytes: 1.5 })).to.throw(CacheConfigError, /cache\.maxDiskBytes/);
    try {
      new ResponseCache({ maxBytes: -1 });
    } catch (e) {
      expect((e as CacheConfigError).code).to.equal("GATEWAY_CACHE_CONFIG");
    }
  });
});
