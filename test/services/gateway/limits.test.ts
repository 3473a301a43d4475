import { expect } from "chai";
import { isLuniverseError } from "../../../lib/errors";
import { Limiter, LimiterError, TokenBucket, type Admission, type AdmissionRefused, type IpLimitValues, type LimiterOptions } from "../../../services/gateway/limits";
import { SqliteStore } from "../../../services/gateway/store/sqlite";
import type { ApiKey, KeyLimits } from "../../../services/gateway/types";

// The store compares counter expiry with the wall clock, so the injected clocks stay in the future.
const NOON = Date.UTC(2031, 2, 15, 12, 0, 0); // 2031-03-15T12:00:00Z

const NO_IP_LIMITS: IpLimitValues = { requestsPerSecond: null, cuPerSecond: null, requestsPerDay: null, cuPerDay: null };

function apiKey(limits: Partial<KeyLimits>, key = "0123456789abcdef0123456789abcdef"): ApiKey {
  return {
    key,
    dapp: "game",
    name: "test",
    secretHash: null,
    chains: ["2018"],
    methods: null,
    contracts: null,
    origins: null,
    limits: {
      requestsPerSecond: null,
      cuPerSecond: null,
      requestsPerDay: null,
      cuPerDay: null,
      cuPerMonth: null,
      maxBatch: 100,
      maxBodyBytes: 1_000_000,
      maxSubscriptions: 100,
      maxConcurrent: 1_000_000,
      ...limits,
    },
    status: "active",
    createdAt: 0,
    revokedAt: null,
    rotatedTo: null,
  };
}

function refused(a: Admission): AdmissionRefused {
  if (a.ok) throw new Error("expected a refusal, the request was admitted");
  return a;
}

describe("gateway limits", function () {
  this.timeout(20_000);

  describe("TokenBucket", () => {
    it("lets a full burst through, then one token per 1/rate seconds", () => {
      const b = new TokenBucket(10, 10);
      for (let i = 0; i < 10; i++) expect(b.take(1, 1_000)).to.equal(0);
      expect(b.take(1, 1_000)).to.equal(100);
      expect(b.take(1, 1_050)).to.equal(50);
      expect(b.take(1, 1_100)).to.equal(0);
      expect(b.take(5, 1_100)).to.equal(500);
      expect(b.take(5, 1_350)).to.equal(250); // 2.5 tokens flowed in
      expect(b.take(5, 1_600)).to.equal(0);
    });

    it("never holds more than the burst, however long it idles", () => {
      const b = new TokenBucket(10, 4);
      expect(b.take(4, 0)).to.equal(0);
      expect(b.take(4, 3_600_000)).to.equal(0);
      expect(b.take(1, 3_600_000)).to.equal(100);
    });

    it("takes nothing when it refuses", () => {
      const b = new TokenBucket(1, 3);
      expect(b.take(2, 0)).to.equal(0);
      expect(b.take(2, 0)).to.equal(1_000);
      expect(b.take(2, 0)).to.equal(1_000);
      expect(b.take(1, 0)).to.equal(0);
    });

    it("lets a take larger than the burst through a full bucket and makes it repay the debt", () => {
      const b = new TokenBucket(10, 10);
      expect(b.take(25, 0)).to.equal(0);
      expect(b.take(1, 0)).to.equal(1_600); // from -15 up to 1
      expect(b.take(25, 1_600)).to.equal(900); // needs a full bucket (10), has 1
      expect(b.take(25, 2_500)).to.equal(0);
    });

    it("refuses a rate or burst that is not a positive number", () => {
      expect(() => new TokenBucket(0, 1)).to.throw(LimiterError, /rate/);
      expect(() => new TokenBucket(1, -1)).to.throw(LimiterError, /burst/);
      expect(() => new TokenBucket(Number.NaN, 1)).to.throw(LimiterError);
    });
  });

  describe("Limiter", () => {
    let store: SqliteStore;
    let now: number;
    const limiters: Limiter[] = [];

    beforeEach(async () => {
      store = new SqliteStore(":memory:");
      await store.init();
      now = NOON;
    });
    afterEach(async () => {
      for (const l of limiters.splice(0)) await l.stop();
      await store.close();
    });

    function limiter(options: Partial<LimiterOptions> = {}): Limiter {
      const l = new Limiter(store, { ipLimits: NO_IP_LIMITS, replicaId: `r${limiters.length}`, now: () => now, ...options });
      limiters.push(l);
      return l;
    }

    it("validates its options and names the wrong one", () => {
      const bad = (o: Partial<LimiterOptions>, re: RegExp): void => {
        let caught: unknown;
        try {
          new Limiter(store, { ipLimits: NO_IP_LIMITS, replicaId: "r", ...o });
        } catch (e) {
          caught = e;
        }
        expect(caught).to.be.instanceOf(LimiterError);
        expect(isLuniverseError(caught) && caught.code).to.equal("GATEWAY_LIMITS_INVALID");
        expect((caught as Error).message).to.match(re);
      };
      bad({ ipLimits: { ...NO_IP_LIMITS, requestsPerSecond: -1 } }, /ipLimits\.requestsPerSecond/);
      bad({ ipLimits: { ...NO_IP_LIMITS, requestsPerDay: 1.5 } }, /ipLimits\.requestsPerDay: expected a whole number/);
      bad({ ipLimits: { ...NO_IP_LIMITS, requestPerSecond: 5 } as unknown as IpLimitValues }, /ipLimits\.requestPerSecond: unknown limit/);
      bad({ replicaId: "" }, /replicaId/);
      bad({ leaseFraction: 0 }, /leaseFraction/);
      bad({ leaseFraction: 2 }, /leaseFraction/);
    });

    it("limits the requests of a key in flight and frees a slot on release (once)", () => {
      const l = limiter();
      const key = apiKey({ maxConcurrent: 2 });
      const a = l.admit({ key, ip: "10.0.0.1" }, 1, 10) as Admission;
      const b = l.admit({ key, ip: "10.0.0.1" }, 5, 50) as Admission;
      expect(a.ok && b.ok).to.equal(true);
      const c = refused(l.admit({ key, ip: "10.0.0.2" }, 1, 10) as Admission);
      expect(c).to.deep.include({ limit: "key concurrent requests", scope: "key", retryAfterSeconds: 1 });
      expect(c.message).to.contain("limit of 2 concurrent requests");
      if (a.ok) {
        a.release();
        a.release(); // a second release changes nothing
      }
      expect(l.inFlightOf(key.key)).to.equal(1);
      const d = l.admit({ key, ip: "10.0.0.1" }, 1, 10) as Admission;
      expect(d.ok).to.equal(true);
      refused(l.admit({ key, ip: "10.0.0.1" }, 1, 10) as Admission);
    });

    it("refuses past the key's requests per second with a Retry-After, and admits again as tokens flow in", () => {
      const l = limiter();
      const key = apiKey({ requestsPerSecond: 5 });
      for (let i = 0; i < 5; i++) expect((l.admit({ key, ip: "10.0.0.1" }, 1, 10) as Admission).ok).to.equal(true);
      const r = refused(l.admit({ key, ip: "10.0.0.1" }, 1, 10) as Admission);
      expect(r).to.deep.include({ limit: "key requests per second", scope: "key", retryAfterSeconds: 1 });
      expect(r.message).to.equal(`key ${key.key} exceeded its limit of 5 requests per second; retry in 1 s`);
      now += 199;
      refused(l.admit({ key, ip: "10.0.0.1" }, 1, 10) as Admission);
      now += 1;
      expect((l.admit({ key, ip: "10.0.0.1" }, 1, 10) as Admission).ok).to.equal(true);
      // a batch of 3 needs 600 ms of tokens: Retry-After rounds up to whole seconds
      now += 1_000; // 5 tokens
      expect((l.admit({ key, ip: "10.0.0.1" }, 5, 10) as Admission).ok).to.equal(true);
      expect(refused(l.admit({ key, ip: "10.0.0.1" }, 3, 10) as Admission).retryAfterSeconds).to.equal(1);
    });

    it("refuses past the key's CU per second", () => {
      const l = limiter();
      const key = apiKey({ cuPerSecond: 100 });
      for (let i = 0; i < 3; i++) expect((l.admit({ key, ip: "10.0.0.1" }, 1, 26) as Admission).ok).to.equal(true);
      const r = refused(l.admit({ key, ip: "10.0.0.1" }, 1, 26) as Admission);
      expect(r).to.deep.include({ limit: "key CU per second", scope: "key", retryAfterSeconds: 1 });
      expect(r.message).to.contain("limit of 100 CU per second");
      expect((l.admit({ key, ip: "10.0.0.1" }, 1, 20) as Admission).ok).to.equal(true); // 22 CU left
    });

    it("applies IP limits to every request of the IP, independently of the key's", () => {
      const l = limiter({ ipLimits: { ...NO_IP_LIMITS, requestsPerSecond: 2 } });
      expect((l.admit({ key: null, ip: "10.0.0.1" }, 1, 10) as Admission).ok).to.equal(true);
      expect((l.admit({ key: null, ip: "10.0.0.1" }, 1, 10) as Admission).ok).to.equal(true);
      const r = refused(l.admit({ key: null, ip: "10.0.0.1" }, 1, 10) as Admission);
      expect(r).to.deep.include({ limit: "ip requests per second", scope: "ip" });
      expect(r.message).to.equal("IP 10.0.0.1 exceeded its limit of 2 requests per second; retry in 1 s");
      // a key without limits does not lift the IP's
      expect(refused(l.admit({ key: apiKey({}), ip: "10.0.0.1" }, 1, 10) as Admission).scope).to.equal("ip");
      // another IP has its own bucket
      expect((l.admit({ key: null, ip: "10.0.0.2" }, 1, 10) as Admission).ok).to.equal(true);
      // a key's limit refuses on its own while the IP still has room
      const key = apiKey({ requestsPerSecond: 1 });
      expect((l.admit({ key, ip: "10.0.0.3" }, 1, 10) as Admission).ok).to.equal(true);
      expect(refused(l.admit({ key, ip: "10.0.0.3" }, 1, 10) as Admission).limit).to.equal("key requests per second");
      expect((l.admit({ key: null, ip: "10.0.0.3" }, 1, 10) as Admission).ok).to.equal(true);
    });

    it("takes nothing from any bucket or quota for a refused request", async () => {
      const l = limiter({ ipLimits: { ...NO_IP_LIMITS, requestsPerSecond: 3 } });
      const key = apiKey({ requestsPerSecond: 10, requestsPerDay: 3 });
      // the IP bucket refuses the 4th: the key's bucket and quota keep what they had
      for (let i = 0; i < 2; i++) expect((await l.admit({ key, ip: "10.0.0.1" }, 1, 10)).ok).to.equal(true);
      expect((await l.admit({ key: null, ip: "10.0.0.1" }, 1, 10)).ok).to.equal(true);
      for (let i = 0; i < 5; i++) expect(refused(await l.admit({ key, ip: "10.0.0.1" }, 1, 10)).limit).to.equal("ip requests per second");
      expect((await l.admit({ key, ip: "10.0.0.2" }, 1, 10)).ok).to.equal(true); // 3rd of the day
      expect(refused(await l.admit({ key, ip: "10.0.0.2" }, 1, 10)).limit).to.equal("key requests per day");
      // a quota refusal (more CU than the whole quota) takes neither the per-second tokens nor the other quota
      const k2 = apiKey({ requestsPerSecond: 2, requestsPerDay: 2, cuPerDay: 100 }, "f".repeat(32));
      for (let i = 0; i < 3; i++) {
        const r = refused(await l.admit({ key: k2, ip: "10.0.0.9" }, 1, 250));
        expect(r.limit).to.equal("key CU per day");
        expect(r.message).to.contain("needs 250, more than its whole quota of 100 CU per day");
      }
      expect((await l.admit({ key: k2, ip: "10.0.0.9" }, 1, 10)).ok).to.equal(true);
      expect((await l.admit({ key: k2, ip: "10.0.0.9" }, 1, 10)).ok).to.equal(true);
      await l.flush();
      const c = await store.counters([`key:${k2.key}:req:d:20310315`, `key:${k2.key}:cu:d:20310315`, `key:${key.key}:req:d:20310315`]);
      expect(c).to.deep.equal({ [`key:${k2.key}:req:d:20310315`]: 2, [`key:${k2.key}:cu:d:20310315`]: 20, [`key:${key.key}:req:d:20310315`]: 3 });
    });

    it("shares a day quota exactly between two replicas on one store: never above it, exactly at it once flushed", async () => {
      const a = limiter();
      const b = limiter();
      const key = apiKey({ requestsPerDay: 10_000 });
      let admitted = 0;
      let asynchronous = 0;
      for (let i = 0; i < 12_000; i++) {
        const l = i % 2 === 0 ? a : b;
        const verdict = l.admit({ key, ip: `10.0.${i % 7}.1` }, 1, 26);
        if (verdict instanceof Promise) asynchronous++;
        const v = await verdict;
        if (v.ok) admitted++;
        else expect(v.limit).to.equal("key requests per day");
      }
      expect(admitted).to.be.within(9_900, 10_000);
      expect(asynchronous).to.be.below(12_000 / 10); // the common path is synchronous
      await a.flush();
      await b.flush();
      for (let i = 0; i < 200; i++) if ((await (i % 2 === 0 ? a : b).admit({ key, ip: "10.0.0.1" }, 1, 26)).ok) admitted++;
      expect(admitted).to.equal(10_000);
      await a.flush();
      await b.flush();
      expect((await store.counters([`key:${key.key}:req:d:20310315`]))[`key:${key.key}:req:d:20310315`]).to.equal(10_000);
    });

    it("falls short of a shared quota by at most the other replica's unspent lease, and reaches it after that one flushes", async () => {
      const a = limiter();
      const b = limiter();
      const key = apiKey({ requestsPerDay: 10_000 }); // lease: 20
      expect((await a.admit({ key, ip: "10.0.0.1" }, 1, 10)).ok).to.equal(true); // a holds 19
      let admitted = 1;
      for (let i = 0; i < 10_100; i++) if ((await b.admit({ key, ip: "10.0.0.1" }, 1, 10)).ok) admitted++;
      expect(admitted).to.equal(10_000 - 19);
      const r = refused(await b.admit({ key, ip: "10.0.0.1" }, 1, 10));
      expect(r.retryAfterSeconds).to.equal(12 * 3600);
      expect(r.message).to.equal(`key ${key.key} used up its quota of 10,000 requests per day; it resets at 2031-03-16T00:00:00.000Z (in 43,200 s)`);
      await a.flush();
      now += 1_000; // b asks the store again at most once a second
      for (let i = 0; i < 100; i++) if ((await b.admit({ key, ip: "10.0.0.1" }, 1, 10)).ok) admitted++;
      expect(admitted).to.equal(10_000);
    });

    it("starts a fresh day quota at UTC midnight", async () => {
      now = Date.UTC(2031, 2, 15, 23, 59, 59, 500);
      const l = limiter();
      const key = apiKey({ requestsPerDay: 3 });
      for (let i = 0; i < 3; i++) expect((await l.admit({ key, ip: "10.0.0.1" }, 1, 10)).ok).to.equal(true);
      const r = refused(await l.admit({ key, ip: "10.0.0.1" }, 1, 10));
      expect(r).to.deep.include({ limit: "key requests per day", scope: "key", retryAfterSeconds: 1 });
      expect(r.message).to.contain("resets at 2031-03-16T00:00:00.000Z");
      now += 500;
      for (let i = 0; i < 3; i++) expect((await l.admit({ key, ip: "10.0.0.1" }, 1, 10)).ok).to.equal(true);
      refused(await l.admit({ key, ip: "10.0.0.1" }, 1, 10));
      await l.flush();
      const names = [`key:${key.key}:req:d:20310315`, `key:${key.key}:req:d:20310316`];
      expect(await store.counters(names)).to.deep.equal({ [names[0]!]: 3, [names[1]!]: 3 });
    });

    it("applies the key's CU per month until the 1st of the next month (UTC)", async () => {
      now = Date.UTC(2031, 2, 31, 22, 0, 0);
      const l = limiter();
      const key = apiKey({ cuPerMonth: 100 });
      for (let i = 0; i < 3; i++) expect((await l.admit({ key, ip: "10.0.0.1" }, 1, 26)).ok).to.equal(true);
      const r = refused(await l.admit({ key, ip: "10.0.0.1" }, 1, 26));
      expect(r).to.deep.include({ limit: "key CU per month", scope: "key", retryAfterSeconds: 7_200 });
      expect(r.message).to.contain("quota of 100 CU per month; it resets at 2031-04-01T00:00:00.000Z");
      expect((await l.admit({ key, ip: "10.0.0.1" }, 1, 22)).ok).to.equal(true); // what is left still serves
      refused(await l.admit({ key, ip: "10.0.0.1" }, 1, 1));
      const usage = await l.usage({ key });
      expect(usage.month).to.equal("203103");
      expect(usage.key!.cuThisMonth).to.deep.include({ counter: `key:${key.key}:cu:m:203103`, used: 100, limit: 100 });
      expect(usage.key!.requestsToday.used).to.equal(null); // no day limit: not counted
      now = Date.UTC(2031, 3, 1, 0, 0, 0);
      expect((await l.admit({ key, ip: "10.0.0.1" }, 1, 26)).ok).to.equal(true);
    });

    it("applies an IP's CU per month", async () => {
      now = Date.UTC(2031, 2, 31, 23, 0, 0);
      const l = limiter({ ipLimits: { ...NO_IP_LIMITS, cuPerMonth: 50 } });
      for (let i = 0; i < 2; i++) expect((await l.admit({ key: null, ip: "10.0.0.7" }, 1, 25)).ok).to.equal(true);
      const r = refused(await l.admit({ key: null, ip: "10.0.0.7" }, 1, 25));
      expect(r).to.deep.include({ limit: "ip CU per month", scope: "ip", retryAfterSeconds: 3_600 });
      expect((await l.usage({ key: null, ip: "10.0.0.7" })).ip!.cuThisMonth).to.deep.include({ used: 50, limit: 50 });
      now = Date.UTC(2031, 3, 1, 0, 0, 1);
      expect((await l.admit({ key: null, ip: "10.0.0.7" }, 1, 25)).ok).to.equal(true);
    });

    it("applies IP day quotas of requests and CU", async () => {
      const l = limiter({ ipLimits: { ...NO_IP_LIMITS, requestsPerDay: 1_000, cuPerDay: 100 } });
      for (let i = 0; i < 5; i++) expect((await l.admit({ key: null, ip: "10.0.0.1" }, 1, 20)).ok).to.equal(true);
      const r = refused(await l.admit({ key: null, ip: "10.0.0.1" }, 1, 20));
      expect(r).to.deep.include({ limit: "ip CU per day", scope: "ip" });
      expect(r.message).to.match(/^IP 10\.0\.0\.1 used up its quota of 100 CU per day/);
      expect((await l.admit({ key: apiKey({}), ip: "10.0.0.2" }, 1, 20)).ok).to.equal(true);
      const usage = await l.usage({ key: null, ip: "10.0.0.1" });
      expect(usage.key).to.equal(null);
      expect(usage.ip!.cuToday.used).to.equal(100);
      expect(usage.ip!.requestsToday.used).to.equal(5);
    });

    it("reports a key's usage of today and this month", async () => {
      const l = limiter();
      const key = apiKey({ requestsPerDay: 1_000, cuPerDay: 100_000, cuPerMonth: 1_000_000 });
      for (let i = 0; i < 7; i++) expect((await l.admit({ key, ip: "10.0.0.1" }, 2, 30)).ok).to.equal(true);
      const usage = await l.usage({ key, ip: "" });
      expect(usage).to.deep.include({ day: "20310315", month: "203103", ip: null });
      expect(usage.key!.requestsToday).to.deep.equal({ counter: `key:${key.key}:req:d:20310315`, used: 14, limit: 1_000, resetsAt: Date.UTC(2031, 2, 16) });
      expect(usage.key!.cuToday.used).to.equal(210);
      expect(usage.key!.cuThisMonth).to.deep.include({ used: 210, resetsAt: Date.UTC(2031, 3, 1) });
    });

    it("divides per-second rates by the live replicas of the heartbeat", async () => {
      const a = limiter({ replicaId: "a" });
      const b = limiter({ replicaId: "b" });
      await a.tick();
      await b.tick();
      await a.tick();
      expect(a.liveReplicas).to.equal(2);
      const key = apiKey({ requestsPerSecond: 10 });
      let ok = 0;
      for (let i = 0; i < 10; i++) if ((a.admit({ key, ip: "10.0.0.1" }, 1, 10) as Admission).ok) ok++;
      expect(ok).to.equal(5);
    });
  });
});
