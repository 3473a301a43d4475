import { expect } from "chai";
import { CidrList, GeoConfigError, RegionTable, clientIp, normalizeIp, parseCidr } from "../../../services/gateway/geo";

function table(): RegionTable {
  return new RegionTable({
    regions: {
      eu: { cidrs: ["127.0.1.0/24", "2001:db8:e0::/48"], nearest: ["us", "asia"] },
      us: { cidrs: ["127.0.2.0/24", "2001:db8:a0::/48"] },
      asia: { cidrs: ["127.0.0.0/8"] },
    },
  });
}

function throwsGeo(fn: () => unknown, code: string, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(GeoConfigError);
    expect((e as GeoConfigError).code).to.equal(code);
    expect((e as Error).message).to.match(pattern);
    return;
  }
  expect.fail(`expected a GeoConfigError matching ${pattern}`);
}

describe("gateway regions (RegionTable)", function () {
  it("maps 127.0.0.0/8 sub-ranges to their regions", function () {
    const t = table();
    expect(t.regionOf("127.0.1.1")).to.equal("eu");
    expect(t.regionOf("127.0.1.254")).to.equal("eu");
    expect(t.regionOf("127.0.2.7")).to.equal("us");
  });

  it("takes the longest prefix when ranges overlap", function () {
    const t = table();
    expect(t.regionOf("127.0.0.1"), "only in 127.0.0.0/8").to.equal("asia");
    expect(t.regionOf("127.0.3.1")).to.equal("asia");
    expect(t.regionOf("127.0.1.1"), "127.0.1.0/24 inside 127.0.0.0/8").to.equal("eu");
    const nested = new RegionTable({ regions: { a: { cidrs: ["10.0.0.0/8", "10.1.2.3/32"] }, b: { cidrs: ["10.1.0.0/16"] } } });
    expect(nested.regionOf("10.1.2.3")).to.equal("a");
    expect(nested.regionOf("10.1.2.4")).to.equal("b");
    expect(nested.regionOf("10.2.0.1")).to.equal("a");
  });

  it("matches IPv4-mapped IPv6 addresses against IPv4 ranges", function () {
    const t = table();
    expect(t.regionOf("::ffff:127.0.2.2")).to.equal("us");
    expect(t.regionOf("::FFFF:127.0.1.9")).to.equal("eu");
    expect(t.regionOf("::ffff:7f00:0202"), "mapped, written in hex").to.equal("us");
  });

  it("maps IPv6 addresses, with or without a zone", function () {
    const t = table();
    expect(t.regionOf("2001:db8:e0::1")).to.equal("eu");
    expect(t.regionOf("2001:db8:a0:ffff:ffff:ffff:ffff:ffff")).to.equal("us");
    expect(t.regionOf("2001:0db8:00a0:0000::0001")).to.equal("us");
    expect(t.regionOf("2001:db8:e0::1%eth0")).to.equal("eu");
    expect(t.regionOf("2001:db8:b0::1")).to.equal(null);
    expect(t.regionOf("::1")).to.equal(null);
  });

  it("answers null for addresses outside every range and for non-addresses", function () {
    const t = table();
    expect(t.regionOf("10.0.0.1")).to.equal(null);
    expect(t.regionOf("not-an-ip")).to.equal(null);
    expect(t.regionOf("")).to.equal(null);
  });

  it("gives the configured nearest order, else the other regions alphabetically", function () {
    const t = table();
    expect(t.nearest("eu")).to.deep.equal(["us", "asia"]);
    expect(t.nearest("us")).to.deep.equal(["asia", "eu"]);
    expect(t.nearest("asia")).to.deep.equal(["eu", "us"]);
    expect(t.nearest("mars")).to.deep.equal([]);
    expect(t.nearest(null)).to.deep.equal([]);
    expect(t.regions()).to.have.members(["eu", "us", "asia"]);
  });

  it("rejects an invalid CIDR range with an error naming it", function () {
    throwsGeo(() => new RegionTable({ regions: { eu: { cidrs: ["127.0.1.0/33"] } } }), "GATEWAY_GEO_INVALID_CIDR", /"127\.0\.1\.0\/33".*prefix length must be 0…32/);
    throwsGeo(() => new RegionTable({ regions: { eu: { cidrs: ["127.0.1/24"] } } }), "GATEWAY_GEO_INVALID_CIDR", /"127\.0\.1\/24".*not an IPv4 or IPv6 address/);
    throwsGeo(() => new RegionTable({ regions: { eu: { cidrs: ["europe"] } } }), "GATEWAY_GEO_INVALID_CIDR", /"europe"/);
    throwsGeo(() => new RegionTable({ regions: { eu: { cidrs: ["2001:db8::/129"] } } }), "GATEWAY_GEO_INVALID_CIDR", /0…128/);
    throwsGeo(() => parseCidr("127.0.1.5/24"), "GATEWAY_GEO_INVALID_CIDR", /bits set beyond the prefix.*did you mean 127\.0\.1\.0\/24/);
    throwsGeo(() => parseCidr("2001:db8::1/32"), "GATEWAY_GEO_INVALID_CIDR", /did you mean 2001:db8::\/32/);
  });

  it("rejects a range given to two regions, unknown nearest regions and unknown keys", function () {
    throwsGeo(() => new RegionTable({ regions: { eu: { cidrs: ["10.0.0.0/8"] }, us: { cidrs: ["10.0.0.0/8"] } } }), "GATEWAY_GEO_CONFIG", /"10\.0\.0\.0\/8" is given to two regions/);
    throwsGeo(() => new RegionTable({ regions: { eu: { cidrs: [], nearest: ["mars"] } } }), "GATEWAY_GEO_CONFIG", /unknown region "mars"/);
    throwsGeo(() => new RegionTable({ regions: { eu: { cidrs: [], nearest: ["eu"] } } }), "GATEWAY_GEO_CONFIG", /itself/);
    throwsGeo(() => new RegionTable({ regions: { eu: { cidrs: [], near: [] } as never } }), "GATEWAY_GEO_CONFIG", /unknown key "near"/);
  });

  it("accepts a bare address as a one-host range", function () {
    const t = new RegionTable({ regions: { lab: { cidrs: ["192.0.2.7", "2001:db8::7"] } } });
    expect(t.regionOf("192.0.2.7")).to.equal("lab");
    expect(t.regionOf("192.0.2.8")).to.equal(null);
    expect(t.regionOf("2001:db8::7")).to.equal("lab");
  });
});

describe("gateway client address (clientIp)", function () {
  const proxies = new CidrList(["127.0.0.1", "10.0.0.0/8", "fd00::/8"]);

  it("takes the socket's address when the peer is not a trusted proxy, ignoring X-Forwarded-For", function () {
    expect(clientIp("127.0.1.5", "6.6.6.6", proxies)).to.equal("127.0.1.5");
    expect(clientIp("127.0.1.5", undefined, proxies)).to.equal("127.0.1.5");
  });

  it("takes the right-most untrusted X-Forwarded-For entry when the peer is a trusted proxy", function () {
    expect(clientIp("127.0.0.1", "127.0.2.9", proxies)).to.equal("127.0.2.9");
    // the client forged "6.6.6.6"; the proxies appended the real address and their own
    expect(clientIp("127.0.0.1", "6.6.6.6, 127.0.2.9, 10.1.1.1", proxies)).to.equal("127.0.2.9");
    expect(clientIp("10.0.0.5", "2001:db8::9, fd00::1", proxies)).to.equal("2001:db8::9");
  });

  it("treats an IPv4-mapped socket address as IPv4 (trusted check and answer)", function () {
    expect(clientIp("::ffff:127.0.0.1", "127.0.2.9", proxies)).to.equal("127.0.2.9");
    expect(clientIp("::ffff:127.0.1.5", "6.6.6.6", proxies)).to.equal("127.0.1.5");
    expect(normalizeIp("::ffff:127.0.0.2")).to.equal("127.0.0.2");
  });

  it("strips ports from X-Forwarded-For entries", function () {
    expect(clientIp("127.0.0.1", "127.0.2.9:51234", proxies)).to.equal("127.0.2.9");
    expect(clientIp("127.0.0.1", "[2001:db8::9]:443", proxies)).to.equal("2001:db8::9");
  });

  it("takes the left-most entry when every entry is a trusted proxy, and stops at an invalid entry", function () {
    expect(clientIp("127.0.0.1", "10.0.0.7, 10.0.0.8", proxies)).to.equal("10.0.0.7");
    expect(clientIp("127.0.0.1", "garbage, 10.0.0.8", proxies)).to.equal("10.0.0.8");
    expect(clientIp("127.0.0.1", "garbage", proxies)).to.equal("127.0.0.1");
    expect(clientIp("127.0.0.1", "", proxies)).to.equal("127.0.0.1");
  });

  it("accepts the proxy list as plain strings, and rejects an invalid one naming it", function () {
    expect(clientIp("10.0.0.1", "127.0.2.9", ["10.0.0.0/8"])).to.equal("127.0.2.9");
    throwsGeo(() => clientIp("10.0.0.1", "127.0.2.9", ["10.0.0/8"]), "GATEWAY_GEO_INVALID_CIDR", /"10\.0\.0\/8"/);
  });
});
