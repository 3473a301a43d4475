/** Log matching and the polling filter store, without a server: the rules eth_subscribe and eth_newFilter share. */
import { expect } from "chai";
import type { Hex, RpcBlock, RpcLog } from "../../../node/rpc/types";
import { FilterStore } from "../../../node/rpc/filters";
import { matchLog, parseLogCriteria } from "../../../node/rpc/logFilter";

const A = `0x${"aa".repeat(20)}` as Hex;
const B = `0x${"bb".repeat(20)}` as Hex;
const t = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;

function log(address: Hex, topics: Hex[], block = 1): RpcLog {
  return { address, topics, data: "0x", blockNumber: `0x${block.toString(16)}`, blockHash: t(999), transactionHash: t(998), transactionIndex: "0x0", logIndex: "0x0", removed: false };
}

describe("node/rpc log filters", function () {
  describe("matchLog", function () {
    it("matches any of several addresses, compared case-insensitively", function () {
      expect(matchLog(log(A, []), [A, B], undefined)).to.equal(true);
      expect(matchLog(log(A.toUpperCase().replace("0X", "0x") as Hex, []), [A], undefined)).to.equal(true);
      expect(matchLog(log(A, []), [B], undefined)).to.equal(false);
      expect(matchLog(log(A, []), [], undefined)).to.equal(true);
    });

    it("matches topics by position: wildcard, one value, or any of several", function () {
      const l = log(A, [t(1), t(2), t(3)]);
      expect(matchLog(l, undefined, [t(1)])).to.equal(true);
      expect(matchLog(l, undefined, [null, t(2)])).to.equal(true);
      expect(matchLog(l, undefined, [[t(9), t(1)], null, [t(3)]])).to.equal(true);
      expect(matchLog(l, undefined, [t(2)])).to.equal(false);
      expect(matchLog(l, undefined, [null, null, [t(7), t(8)]])).to.equal(false);
    });

    it("does not match a position the log does not have, unless it is a wildcard", function () {
      const l = log(A, [t(1)]);
      expect(matchLog(l, undefined, [t(1), t(2)])).to.equal(false);
      expect(matchLog(l, undefined, [t(1), null])).to.equal(true);
    });

    it("parses a null inside an alternative list as a wildcard and drops trailing wildcards", function () {
      const c = parseLogCriteria({ topics: [t(1), [t(2), null], null] }, { index: 0 });
      expect(c.topics).to.deep.equal([t(1)]);
    });
  });

  describe("FilterStore", function () {
    const head = (n: number): RpcBlock => ({ hash: t(n) }) as RpcBlock;

    it("keeps only the newest maxBuffered items of an unpolled filter", function () {
      const store = new FilterStore({ maxBuffered: 3 });
      try {
        const id = store.newBlockFilter();
        for (let i = 1; i <= 5; i++) store.onNewHead(head(i));
        expect(store.changes(id)).to.deep.equal([t(3), t(4), t(5)]);
      } finally {
        store.close();
      }
    });

    it("refuses a filter over maxFilters with -32000", function () {
      const store = new FilterStore({ maxFilters: 2 });
      try {
        store.newBlockFilter();
        store.newBlockFilter();
        expect(() => store.newBlockFilter()).to.throw(/too many filters installed \(2\)/);
      } finally {
        store.close();
      }
    });

    it("applies a log filter's explicit block bounds and criteria to new logs", function () {
      const store = new FilterStore();
      try {
        const id = store.newLogFilter(parseLogCriteria({ fromBlock: "0x2", toBlock: "0x3", address: A }, { index: 0 }));
        store.onLogs([log(A, [], 1), log(A, [], 2), log(B, [], 2), log(A, [], 4)]);
        const got = store.changes(id) as RpcLog[];
        expect(got.map((l) => [l.address, l.blockNumber])).to.deep.equal([[A, "0x2"]]);
      } finally {
        store.close();
      }
    });

    it("expires a filter by its last poll, with an injected clock", function () {
      let now = 1_000;
      const store = new FilterStore({ ttlMs: 100 }, () => now);
      try {
        const id = store.newBlockFilter();
        now += 90;
        expect(store.changes(id)).to.deep.equal([]);
        now += 90;
        expect(store.changes(id)).to.deep.equal([]);
        now += 101;
        expect(() => store.changes(id)).to.throw("filter not found");
      } finally {
        store.close();
      }
    });
  });
});
