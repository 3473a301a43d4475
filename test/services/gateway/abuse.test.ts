import { expect } from "chai";
import { AbuseMonitor, AbuseRulesError, DEFAULT_ABUSE_RULES, resolveAbuseRules, type AbuseRules } from "../../../services/gateway/abuse";
import { SqliteStore } from "../../../services/gateway/store/sqlite";
import type { Ban, RequestRow, RequestStatus } from "../../../services/gateway/types";

const T0 = Date.UTC(2031, 2, 15, 12, 0, 0);
const KEY = "0123456789abcdef0123456789abcdef";
const SENDER = "0x" + "ab".repeat(20);

function row(fields: Partial<RequestRow> & { ts: number }): RequestRow {
  return {
    key: null,
    dapp: null,
    chain: "2018",
    method: "eth_blockNumber",
    cu: 10,
    status: "ok" as RequestStatus,
    errorCode: null,
    latencyUs: 100,
    cacheHit: false,
    upstream: "v1",
    region: null,
    ip: "127.0.0.9",
    sender: null,
    ...fields,
  };
}

/** `n` rows spread evenly over `seconds` seconds from `from`. */
function spread(n: number, from: number, seconds: number, fields: Partial<RequestRow> = {}): RequestRow[] {
  return Array.from({ length: n }, (_, i) => row({ ...fields, ts: from + Math.floor((i * seconds * 1000) / n) }));
}

describe("gateway abuse rules", function () {
  this.timeout(20_000);
  let store: SqliteStore;
  let now: number;
  let banned: Ban[];
  const monitors: AbuseMonitor[] = [];

  beforeEach(async () => {
    store = new SqliteStore(":memory:");
    await store.init();
    now = T0;
    banned = [];
  });
  afterEach(async () => {
    for (const m of monitors.splice(0)) m.stop();
    await store.close();
  });

  function monitor(rules: Partial<AbuseRules> = {}): AbuseMonitor {
    const m = new AbuseMonitor(store, { rules, now: () => now, onBan: (b) => banned.push(b) });
    monitors.push(m);
    return m;
  }

  describe("ipRate", () => {
    it("does not ban at the threshold (2,000 requests in 10 s)", () => {
      const m = monitor();
      for (const r of spread(2_000, T0, 10)) m.observe(r, false);
      expect(m.isBanned("ip:127.0.0.9")).to.equal(null);
      expect(banned).to.deep.equal([]);
    });

    it("bans the IP at threshold + 1 for banSeconds, with a reason naming the figure and the limit", async () => {
      const m = monitor();
      for (const r of spread(2_001, T0, 10)) m.observe(r, false);
      const ban = m.isBanned("ip:127.0.0.9");
      expect(ban).to.deep.equal({ subject: "ip:127.0.0.9", until: T0 + 300_000, rule: "ipRate", reason: "127.0.0.9 sent 2,001 requests in 10 s (limit 2,000)" });
      expect(banned).to.deep.equal([ban]);
      expect(m.bans()).to.deep.equal([ban]);
      expect(m.isBanned("ip:127.0.0.10")).to.equal(null);
      await new Promise((r) => setImmediate(r)); // the store write is not awaited by observe()
      expect(await store.activeBans(now)).to.deep.equal([ban]);
    });

    it("forgets requests that slid out of the window", () => {
      const m = monitor();
      for (const r of spread(2_000, T0, 10)) m.observe(r, false);
      m.observe(row({ ts: T0 + 10_000 }), false); // second 0 left the window
      m.observe(row({ ts: T0 + 10_500 }), false);
      expect(m.isBanned("ip:127.0.0.9")).to.equal(null);
      for (const r of spread(2_000, T0 + 30_000, 1)) m.observe(r, false); // a burst after a quiet gap
      expect(m.isBanned("ip:127.0.0.9")).to.equal(null);
      m.observe(row({ ts: T0 + 30_999 }), false);
      expect(m.isBanned("ip:127.0.0.9")?.reason).to.equal("127.0.0.9 sent 2,001 requests in 10 s (limit 2,000)");
    });

    it("lifts the ban when it expires and counts afresh", () => {
      const m = monitor({ banSeconds: 60 });
      for (const r of spread(2_001, T0, 10)) m.observe(r, false);
      now = T0 + 59_999;
      expect(m.isBanned("ip:127.0.0.9")).not.to.equal(null);
      now = T0 + 60_000;
      expect(m.isBanned("ip:127.0.0.9")).to.equal(null);
      expect(m.bans()).to.deep.equal([]);
      m.observe(row({ ts: now }), false);
      expect(m.isBanned("ip:127.0.0.9")).to.equal(null);
    });
  });

  describe("keyRate", () => {
    it("bans the key at threshold + 1, not at the threshold, over every IP of the key", () => {
      const m = monitor({ ipRate: null, keyRate: { windowSeconds: 5, maxRequests: 100 } });
      const rows = spread(100, T0, 5, { key: KEY }).map((r, i) => ({ ...r, ip: `10.0.0.${i % 50}` }));
      for (const r of rows) m.observe(r, false);
      expect(m.isBanned(`key:${KEY}`)).to.equal(null);
      m.observe(row({ ts: T0 + 4_999, key: KEY, ip: "10.0.0.77" }), false);
      const ban = m.isBanned(`key:${KEY}`);
      expect(ban).to.deep.include({ rule: "keyRate", reason: `key ${KEY} sent 101 requests in 5 s (limit 100)` });
      expect(m.isBanned("ip:10.0.0.77")).to.equal(null);
    });
  });

  describe("errorRatio", () => {
    const rule = { windowSeconds: 60, minRequests: 200, maxRatio: 0.5 };

    it("bans when errors pass the ratio over at least minRequests, not at the ratio", () => {
      const m = monitor({ ipRate: null, errorRatio: rule });
      const rows = spread(200, T0, 30, { key: KEY }).map((r, i) => ({ ...r, status: (i % 2 === 0 ? "error" : "ok") as RequestStatus, errorCode: i % 2 === 0 ? -32000 : null }));
      for (const r of rows) m.observe(r, false);
      expect(m.isBanned(`key:${KEY}`)).to.equal(null); // 100 of 200: exactly the ratio
      m.observe(row({ ts: T0 + 31_000, key: KEY, status: "error", errorCode: -32000 }), false);
      expect(m.isBanned(`key:${KEY}`)).to.deep.include({
        rule: "errorRatio",
        reason: `key ${KEY}: 101 of 201 requests failed in 60 s (50.2 %, limit 50 % of at least 200 requests)`,
      });
    });

    it("does not ban below minRequests however many fail, nor count refused requests", () => {
      const m = monitor({ ipRate: null, errorRatio: rule });
      for (const r of spread(199, T0, 30, { status: "error", errorCode: -32000 })) m.observe(r, false);
      for (const r of spread(500, T0, 30, { status: "rejected", errorCode: 429 })) m.observe(r, false);
      expect(m.isBanned("ip:127.0.0.9")).to.equal(null);
      m.observe(row({ ts: T0 + 30_000, status: "error", errorCode: -32000 }), false);
      expect(m.isBanned("ip:127.0.0.9")).to.deep.include({ rule: "errorRatio", reason: "127.0.0.9: 200 of 200 requests failed in 60 s (100 %, limit 50 % of at least 200 requests)" });
    });
  });

  describe("senderReverts", () => {
    it("bans the sender at threshold + 1 reverts, counting only reverted rows", () => {
      const m = monitor();
      const fields = { method: "eth_sendRawTransaction", sender: SENDER };
      for (const r of spread(20, T0, 50, fields)) m.observe(r, true);
      for (const r of spread(100, T0, 50, fields)) m.observe(r, false);
      expect(m.isBanned(`sender:${SENDER}`)).to.equal(null);
      m.observe(row({ ts: T0 + 55_000, ...fields, sender: SENDER.toUpperCase().replace("0X", "0x") }), true);
      expect(m.isBanned(`sender:${SENDER}`)).to.deep.include({ rule: "senderReverts", reason: `sender ${SENDER} had 21 transactions revert in 60 s (limit 20)` });
      expect(m.isBanned("ip:127.0.0.9")).to.equal(null);
    });
  });

  it("a rule set to null never bans", () => {
    const m = monitor({ ipRate: null, senderReverts: null, keyRate: null, errorRatio: null });
    for (const r of spread(5_000, T0, 1, { key: KEY, sender: SENDER, status: "error" })) m.observe(r, true);
    expect(m.bans()).to.deep.equal([]);
    expect(banned).to.deep.equal([]);
  });

  it("a second monitor on the same store enforces the ban after refresh, without calling its onBan", async () => {
    const a = monitor();
    const seenByB: Ban[] = [];
    const b = new AbuseMonitor(store, { now: () => now, onBan: (ban) => seenByB.push(ban) });
    monitors.push(b);
    for (const r of spread(2_001, T0, 10)) a.observe(r, false);
    expect(b.isBanned("ip:127.0.0.9")).to.equal(null);
    await new Promise((r) => setImmediate(r));
    await b.refresh();
    expect(b.isBanned("ip:127.0.0.9")).to.deep.equal(a.isBanned("ip:127.0.0.9"));
    expect(b.bans()).to.have.length(1);
    expect(seenByB).to.deep.equal([]);
    now = T0 + 300_000;
    await b.refresh();
    expect(b.isBanned("ip:127.0.0.9")).to.equal(null);
  });

  it("checks its rules and names a wrong one", () => {
    expect(resolveAbuseRules({})).to.deep.equal(DEFAULT_ABUSE_RULES);
    expect(resolveAbuseRules({ ipRate: { maxRequests: 10 } as AbuseRules["ipRate"] }).ipRate).to.deep.equal({ windowSeconds: 10, maxRequests: 10 });
    const bad = (rules: unknown, re: RegExp): void => {
      expect(() => new AbuseMonitor(store, { rules: rules as Partial<AbuseRules> })).to.throw(AbuseRulesError, re);
    };
    bad({ ipRates: null }, /abuse\.ipRates: unknown rule/);
    bad({ ipRate: { windowSeconds: 0, maxRequests: 1 } }, /abuse\.ipRate\.windowSeconds/);
    bad({ errorRatio: { maxRatio: 1.5 } }, /abuse\.errorRatio\.maxRatio/);
    bad({ senderReverts: { maxReverts: -1 } }, /abuse\.senderReverts\.maxReverts/);
    bad({ keyRate: { max: 1 } }, /abuse\.keyRate\.max: unknown field/);
    bad({ banSeconds: 0 }, /abuse\.banSeconds/);
  });
});
