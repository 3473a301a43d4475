import { expect } from "chai";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import http from "node:http";
import { Wallet, encryptKeystoreJson } from "ethers";
import { Cursor, CursorError, writeAtomic } from "../../lib/cursor";
import { backoffDelay, retry, sleep } from "../../lib/retry";
import { createLogger, formatLine } from "../../lib/log";
import { Registry, MetricsError, serveMetrics } from "../../lib/metrics";
import { loadKeystore, KeystoreError } from "../../lib/keystore";
import { connect, ChainError } from "../../lib/chain";

/** Asserts that `p` rejects with an error of `type` (optional) whose message matches `pattern`. */
async function rejects(p: Promise<unknown>, ...args: [string | RegExp] | [new (...a: never[]) => Error, string | RegExp]): Promise<Error> {
  const [type, pattern] = args.length === 2 ? args : [undefined, args[0]];
  try {
    await p;
  } catch (e) {
    if (type) expect(e).to.be.instanceOf(type);
    expect((e as Error).message).to.match(typeof pattern === "string" ? new RegExp(pattern) : pattern);
    return e as Error;
  }
  return expect.fail(`expected a rejection matching ${String(pattern)}`);
}

function get(port: number, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: p }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

describe("services/lib", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "luniverse-lib-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe("cursor", () => {
    it("starts from the initial state and persists every save atomically (no temp file left)", () => {
      const file = path.join(dir, "c1", "state.json");
      const c = new Cursor(file, { initial: { next: 0, big: 0n } });
      expect(c.get()).to.deep.equal({ next: 0, big: 0n });
      c.save({ next: 5, big: 2n ** 70n });
      c.update((s) => {
        s.next += 1;
      });
      const again = new Cursor(file, { initial: { next: 0, big: 0n } });
      expect(again.get()).to.deep.equal({ next: 6, big: 2n ** 70n });
      expect(readdirSync(path.dirname(file))).to.deep.equal(["state.json"]);
    });

    it("get() returns a copy that does not change the stored state", () => {
      const c = new Cursor(path.join(dir, "c2.json"), { initial: { list: [1] } });
      c.get().list.push(2);
      expect(c.get().list).to.deep.equal([1]);
    });

    it("rejects a corrupt file with a CursorError naming the file", () => {
      const file = path.join(dir, "corrupt.json");
      writeFileSync(file, "{ not json");
      expect(() => new Cursor(file, { initial: {} })).to.throw(CursorError, /corrupt\.json is not valid JSON/);
    });

    it("rejects a file the validator refuses", () => {
      const file = path.join(dir, "other.json");
      writeAtomic(file, JSON.stringify({ chainId: 1 }));
      const validate = (v: unknown): { chainId: number } => {
        if ((v as { chainId: number }).chainId !== 2) throw new Error("written for chain 1, not 2");
        return v as { chainId: number };
      };
      expect(() => new Cursor(file, { initial: { chainId: 2 }, validate })).to.throw(CursorError, /cannot be used: written for chain 1/);
    });
  });

  describe("retry", () => {
    it("grows the delay exponentially up to the cap, with bounded jitter", () => {
      const o = { initialDelayMs: 100, maxDelayMs: 1000, jitter: 0, random: () => 0.5 };
      expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, o))).to.deep.equal([100, 200, 400, 800, 1000]);
      expect(backoffDelay(1, { initialDelayMs: 100, jitter: 0.2, random: () => 0 })).to.equal(80);
      expect(backoffDelay(1, { initialDelayMs: 100, jitter: 0.2, random: () => 0.999999 })).to.equal(120);
    });

    it("retries until success and reports every failure", async () => {
      const failures: number[] = [];
      const result = await retry(
        async (attempt) => {
          if (attempt < 3) throw new Error(`fail ${attempt}`);
          return "ok";
        },
        { initialDelayMs: 1, onError: (f) => failures.push(f.attempt) }
      );
      expect(result).to.equal("ok");
      expect(failures).to.deep.equal([1, 2]);
    });

    it("gives up after `attempts` with the last error", async () => {
      let last: { delayMs?: number } | undefined;
      await rejects(
        retry(async (a) => Promise.reject(new Error(`boom ${a}`)), { attempts: 2, initialDelayMs: 1, onError: (f) => (last = f) }),
        "boom 2"
      );
      expect(last?.delayMs).to.equal(undefined);
    });

    it("throws a fatal error at once", async () => {
      let calls = 0;
      await rejects(
        retry(
          async () => {
            calls++;
            throw new Error("fatal");
          },
          { isFatal: () => true, initialDelayMs: 1 }
        ),
        "fatal"
      );
      expect(calls).to.equal(1);
    });

    it("stops waiting when aborted", async () => {
      const ac = new AbortController();
      setTimeout(() => ac.abort(new Error("stopped")), 20);
      await rejects(
        retry(async () => Promise.reject(new Error("down")), { initialDelayMs: 10_000, signal: ac.signal }),
        "stopped"
      );
      await rejects(sleep(10, ac.signal), "stopped");
    });
  });

  describe("log", () => {
    it("writes one JSON object per line with ts, level, component, msg and fields (bigints, errors)", () => {
      const lines: string[] = [];
      const log = createLogger("relayer", { write: (l) => lines.push(l), fields: { signer: 1 }, now: () => new Date(0) });
      log.info("seen", { block: 5n, err: Object.assign(new Error("bad"), { code: "X" }) });
      log.child("deposits", { dir: "d" }).warn("slow");
      log.debug("dropped at info level");
      expect(lines).to.have.length(2);
      expect(lines.every((l) => l.endsWith("\n"))).to.equal(true);
      expect(JSON.parse(lines[0]!)).to.deep.equal({
        ts: "1970-01-01T00:00:00.000Z",
        level: "info",
        component: "relayer",
        msg: "seen",
        signer: 1,
        block: "5",
        err: { message: "bad", code: "X" },
      });
      expect(JSON.parse(lines[1]!)).to.include({ component: "relayer.deposits", level: "warn", signer: 1, dir: "d" });
    });

    it("survives a cyclic field", () => {
      const a: Record<string, unknown> = {};
      a.self = a;
      expect(() => JSON.parse(formatLine({ msg: "x", a }))).not.to.throw();
    });
  });

  describe("metrics", () => {
    it("exposes counters and gauges with labels and constant labels in the Prometheus text format", () => {
      const r = new Registry({ signer: "2" });
      const c = r.counter("relayer_events_seen_total", "Events seen");
      c.inc({ direction: "deposit" });
      c.inc({ direction: "deposit" }, 2);
      r.gauge("relayer_lag_blocks", "Lag").set({ direction: 'a"b' }, 7);
      r.gauge("up", "Up").set({}, 1);
      expect(c.get({ direction: "deposit" })).to.equal(3);
      const text = r.expose();
      expect(text).to.include("# TYPE relayer_events_seen_total counter\n");
      expect(text).to.include('relayer_events_seen_total{signer="2",direction="deposit"} 3\n');
      expect(text).to.include('relayer_lag_blocks{signer="2",direction="a\\"b"} 7\n');
      expect(text).to.include('up{signer="2"} 1\n');
    });

    it("rejects invalid names, a kind clash and a decreasing counter", () => {
      const r = new Registry();
      expect(() => r.counter("bad-name", "x")).to.throw(MetricsError, /invalid metric name/);
      r.counter("a_total", "x");
      expect(() => r.gauge("a_total", "x")).to.throw(MetricsError, /already registered as a counter/);
      expect(() => r.counter("a_total", "x").inc({}, -1)).to.throw(MetricsError, /cannot decrease/);
      expect(() => r.counter("a_total", "x").inc({ "bad-label": 1 })).to.throw(MetricsError, /invalid label name/);
    });

    it("serves GET /metrics over HTTP and refuses a port in use", async () => {
      const r = new Registry();
      r.counter("hits_total", "Hits").inc();
      const server = await serveMetrics(r, 0);
      try {
        const res = await get(server.port, "/metrics");
        expect(res.status).to.equal(200);
        expect(res.body).to.include("hits_total 1");
        expect((await get(server.port, "/nope")).status).to.equal(404);
        expect((await get(server.port, "/healthz")).body).to.equal("ok\n");
        await rejects(serveMetrics(r, server.port), MetricsError, /in use/);
      } finally {
        await server.close();
      }
    });
  });

  describe("keystore", () => {
    const wallet = new Wallet(Wallet.createRandom().privateKey);
    let file: string;
    before(async () => {
      file = path.join(dir, "key.json");
      writeFileSync(file, await encryptKeystoreJson(wallet, "secret", { scrypt: { N: 1 << 10 } }));
    });

    it("loads a keystore with the password from the environment", async () => {
      process.env.TEST_KS_PASSWORD = "secret";
      try {
        const w = await loadKeystore(file, { passwordEnv: "TEST_KS_PASSWORD", prompt: false });
        expect(w.address).to.equal(wallet.address);
      } finally {
        delete process.env.TEST_KS_PASSWORD;
      }
    });

    it("names a missing file, a non-keystore, a wrong password and a missing password", async () => {
      const code = async (p: Promise<unknown>): Promise<string> => {
        try {
          await p;
        } catch (e) {
          expect(e).to.be.instanceOf(KeystoreError);
          return `${(e as KeystoreError).code}: ${(e as Error).message}`;
        }
        return "no error";
      };
      expect(await code(loadKeystore(path.join(dir, "none.json"), { password: "x" }))).to.match(
        /KEYSTORE_MISSING: keystore .*none\.json does not exist/
      );
      const notKs = path.join(dir, "plain.json");
      writeFileSync(notKs, JSON.stringify({ privateKey: "0x01" }));
      expect(await code(loadKeystore(notKs, { password: "x" }))).to.match(/KEYSTORE_INVALID: .* is not an encrypted JSON keystore/);
      expect(await code(loadKeystore(file, { password: "wrong" }))).to.match(/KEYSTORE_WRONG_PASSWORD: wrong password for keystore/);
      expect(await code(loadKeystore(file, { passwordEnv: "TEST_KS_UNSET_VAR", prompt: false }))).to.match(
        /KEYSTORE_NO_PASSWORD: .*set TEST_KS_UNSET_VAR/
      );
      expect(existsSync(file)).to.equal(true);
      expect(readFileSync(file, "utf8")).not.to.include(wallet.privateKey.slice(2));
    });
  });

  describe("chain", () => {
    it("reports an unreachable RPC at start with a clear ChainError", async () => {
      // a port that nothing listens on: bind, read the port, close
      const srv = http.createServer();
      await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
      const port = (srv.address() as { port: number }).port;
      await new Promise<void>((r) => srv.close(() => r()));
      await rejects(
        connect(`http://127.0.0.1:${port}`, { name: "main chain", timeoutMs: 2000 }),
        ChainError,
        new RegExp(`cannot reach the main chain RPC at http://127.0.0.1:${port}`)
      );
    });

    it("rejects an endpoint on the wrong chain", async () => {
      const srv = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString()));
        req.on("end", () => {
          const id = (JSON.parse(body) as { id: number }).id;
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ jsonrpc: "2.0", id, result: "0x5" }));
        });
      });
      await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
      const port = (srv.address() as { port: number }).port;
      try {
        const ok = await connect(`http://127.0.0.1:${port}`);
        expect(ok.chainId).to.equal(5n);
        ok.provider.destroy();
        await rejects(
          connect(`http://127.0.0.1:${port}`, { name: "product chain", expectChainId: 7n }),
          ChainError,
          /product chain RPC .* is chain 5, expected 7/
        );
      } finally {
        await new Promise<void>((r) => srv.close(() => r()));
      }
    });
  });
});
