import { expect } from "chai";
import { CuTable, CuTableError, DEFAULT_CU } from "../../../services/gateway/cu";

describe("gateway compute units", () => {
  it("prices methods after the built-in table", () => {
    const cu = new CuTable();
    expect(cu.of("eth_chainId")).to.equal(10);
    expect(cu.of("eth_call")).to.equal(26);
    expect(cu.of("eth_getLogs")).to.equal(75);
    expect(cu.of("eth_sendRawTransaction")).to.equal(250);
    expect(cu.table()).to.deep.equal(Object.fromEntries(Object.entries(DEFAULT_CU).sort(([a], [b]) => a.localeCompare(b))));
  });

  it("prices debug_*, trace_* and luniverse_* by prefix and anything else at the default", () => {
    const cu = new CuTable({}, 7);
    expect(cu.of("debug_traceTransaction")).to.equal(300);
    expect(cu.of("trace_block")).to.equal(300);
    expect(cu.of("luniverse_anchors")).to.equal(20);
    expect(cu.of("eth_somethingNew")).to.equal(7);
    expect(new CuTable().of("eth_somethingNew")).to.equal(20);
  });

  it("lets overrides replace and add methods, which win over prefixes", () => {
    const cu = new CuTable({ eth_call: 40, debug_traceCall: 500, luniverse_free: 0 });
    expect(cu.of("eth_call")).to.equal(40);
    expect(cu.of("debug_traceCall")).to.equal(500);
    expect(cu.of("debug_traceTransaction")).to.equal(300);
    expect(cu.of("luniverse_free")).to.equal(0);
    expect(cu.table()).to.include({ eth_call: 40, luniverse_free: 0 });
    expect(DEFAULT_CU.eth_call).to.equal(26);
  });

  it("refuses an override that is not a whole number ≥ 0, naming the method", () => {
    for (const bad of [-1, 1.5, Number.NaN, "26"]) {
      expect(() => new CuTable({ eth_call: bad as number })).to.throw(CuTableError, /^compute units of eth_call: expected a whole number/);
    }
    expect(() => new CuTable({}, -5)).to.throw(CuTableError, /\(default\)/);
    let caught: unknown;
    try {
      new CuTable({ eth_getLogs: -3 });
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(CuTableError);
    expect((caught as CuTableError).code).to.equal("GATEWAY_CU_INVALID");
    expect((caught as CuTableError).method).to.equal("eth_getLogs");
  });
});
