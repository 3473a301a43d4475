import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  DEFAULT_NODE_CONFIG,
  NodeConfigError,
  loadNodeConfigFile,
  resolveNodeConfig,
  suggestKey,
  type NodeConfigErrorCode,
} from "../../node/config";

/** Asserts that `fn` throws a NodeConfigError with `code`, naming `at`, with a message matching `pattern`. */
function throwsConfig(fn: () => unknown, code: NodeConfigErrorCode, at: string, pattern: string | RegExp): NodeConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(NodeConfigError);
    const err = e as NodeConfigError;
    expect(err.code).to.equal(code);
    expect(err.path).to.equal(at);
    if (typeof pattern === "string") expect(err.message).to.contain(pattern);
    else expect(err.message).to.match(pattern);
    return err;
  }
  return expect.fail(`expected a NodeConfigError at ${at}`);
}

const base = "/srv/luniverse";
const resolve = (input: unknown) => resolveNodeConfig(input, base);
const withChain = (extra: Record<string, unknown>) => ({ chainId: 7, ...extra });

describe("node/config", function () {
  describe("defaults", function () {
    it("fills every field from the defaults when only chainId is given", function () {
      const c = resolve({ chainId: 1337 });
      expect(c.chainId).to.equal(1337n);
      expect(c.genesis).to.equal(null);
      expect(c.dataDir).to.equal(path.resolve(base, ".luniverse/node"));
      expect(c.rpc).to.deep.equal({ enabled: true, host: "127.0.0.1", port: 8545, maxRequestBytes: 5_000_000, maxBatch: 1000, allowFrom: null });
      expect(c.p2p).to.deep.equal({ host: "127.0.0.1", port: 30303, peers: [], maxPeers: 50, maxMessageBytes: 16_000_000 });
      expect(c.validator).to.equal(null);
      expect(c.consensus).to.deep.equal({ blockPeriodMs: 1000, proposalTimeoutMs: 3000, maxTxsPerBlock: 5000, blockGasLimit: null, proposalsByHash: true });
      expect(c.gasFree).to.deep.equal({ enabled: false, maxTxPerSenderPerMinute: 600, minGasPrice: 0n, policy: true, abuseReportsFrom: null });
      expect(c.pool).to.deep.equal({ maxSize: 20_000, maxPerSender: 1000, priceBumpPercent: 10, minGasPrice: 1_000_000_000n, maxTxBytes: 131072, recoveryWorkers: 1 });
      expect(c.log).to.deep.equal({ level: "info" });
    });

    it("keeps given values and defaults the rest of a section", function () {
      const c = resolve(withChain({ rpc: { port: 9545 }, pool: { minGasPrice: "0x3b9aca00" }, gasFree: { enabled: true, minGasPrice: "5", policy: false } }));
      expect(c.rpc.port).to.equal(9545);
      expect(c.rpc.host).to.equal("127.0.0.1");
      expect(c.pool.minGasPrice).to.equal(1_000_000_000n);
      expect(c.gasFree).to.deep.equal({ enabled: true, maxTxPerSenderPerMinute: 600, minGasPrice: 5n, policy: false, abuseReportsFrom: null });
    });

    it("lowers the default per-sender limit to a smaller pool's size", function () {
      expect(resolve(withChain({ pool: { maxSize: 300 } })).pool.maxPerSender).to.equal(300);
      expect(resolve(withChain({ pool: { maxSize: 300, maxPerSender: 20 } })).pool.maxPerSender).to.equal(20);
    });

    it("accepts chainId as a number, decimal string, hex string or bigint", function () {
      expect(resolve({ chainId: "31337" }).chainId).to.equal(31337n);
      expect(resolve({ chainId: "0x7a69" }).chainId).to.equal(31337n);
      expect(resolve({ chainId: 2n ** 60n }).chainId).to.equal(2n ** 60n);
    });

    it("does not let a caller change the defaults", function () {
      expect(Object.isFrozen(DEFAULT_NODE_CONFIG)).to.equal(true);
      expect(Object.isFrozen(DEFAULT_NODE_CONFIG.rpc)).to.equal(true);
      const c = resolve({ chainId: 1 });
      c.rpc.port = 1;
      expect(resolve({ chainId: 1 }).rpc.port).to.equal(8545);
    });

    it("resolves relative paths against baseDir and keeps absolute ones", function () {
      const c = resolve(withChain({ dataDir: "data", validator: { keystore: "keys/v1.json" } }));
      expect(c.dataDir).to.equal(path.join(base, "data"));
      expect(c.validator).to.deep.equal({ keystore: path.join(base, "keys/v1.json"), passwordEnv: "LUNIVERSE_VALIDATOR_PASSWORD", privateKeyEnv: null, pkcs11: null });
      expect(resolve(withChain({ dataDir: "/var/lib/lu" })).dataDir).to.equal("/var/lib/lu");
    });

    it("treats validator null or absent as a full node and accepts privateKeyEnv for development", function () {
      expect(resolve(withChain({ validator: null })).validator).to.equal(null);
      expect(resolve(withChain({ validator: { privateKeyEnv: "DEV_KEY" } })).validator).to.deep.equal({
        keystore: null,
        passwordEnv: "LUNIVERSE_VALIDATOR_PASSWORD",
        privateKeyEnv: "DEV_KEY",
        pkcs11: null,
      });
    });

    it("accepts ws:// and wss:// peers", function () {
      const peers = ["ws://127.0.0.1:30304", "wss://node.example.org:443/p2p"];
      expect(resolve(withChain({ p2p: { peers } })).p2p.peers).to.deep.equal(peers);
    });

    it("treats undefined or null input as an empty object (chainId still required)", function () {
      throwsConfig(() => resolve(undefined), "CONFIG_INVALID", "chainId", "chainId: required");
      throwsConfig(() => resolve(null), "CONFIG_INVALID", "chainId", "chainId: required");
    });
  });

  describe("wrong types and values", function () {
    const cases: [string, Record<string, unknown>, string][] = [
      ["rpc.port", { rpc: { port: "abc" } }, `rpc.port: expected integer 0–65535, got string "abc"`],
      ["rpc.port", { rpc: { port: 70000 } }, "rpc.port: expected integer 0–65535, got number 70000"],
      ["rpc.port", { rpc: { port: 1.5 } }, "rpc.port: expected integer 0–65535, got number 1.5"],
      ["rpc.enabled", { rpc: { enabled: "yes" } }, `rpc.enabled: expected boolean, got string "yes"`],
      ["rpc.host", { rpc: { host: 127 } }, "rpc.host: expected non-empty string, got number 127"],
      ["rpc.host", { rpc: { host: "" } }, `rpc.host: expected non-empty string, got string ""`],
      ["rpc.host", { rpc: { host: "http://x" } }, "rpc.host: expected a host name or IP address"],
      ["rpc.maxRequestBytes", { rpc: { maxRequestBytes: 10 } }, "rpc.maxRequestBytes: expected integer >= 1024, got number 10"],
      ["rpc.maxBatch", { rpc: { maxBatch: 0 } }, "rpc.maxBatch: expected integer >= 1, got number 0"],
      ["rpc", { rpc: [] }, "rpc: expected object, got array"],
      ["rpc", { rpc: null }, "rpc: expected object, got null"],
      ["p2p.host", { p2p: { host: false } }, "p2p.host: expected non-empty string, got boolean false"],
      ["p2p.port", { p2p: { port: -1 } }, "p2p.port: expected integer 0–65535, got number -1"],
      ["p2p.peers", { p2p: { peers: "ws://a:1" } }, `p2p.peers: expected array of ws:// URLs, got string "ws://a:1"`],
      ["p2p.peers[1]", { p2p: { peers: ["ws://a:1", "http://b:2"] } }, `p2p.peers[1]: expected ws:// or wss:// URL, got string "http://b:2"`],
      ["p2p.peers[0]", { p2p: { peers: ["not a url"] } }, `p2p.peers[0]: expected ws:// or wss:// URL`],
      ["p2p.peers[0]", { p2p: { peers: [42] } }, `p2p.peers[0]: expected ws:// or wss:// URL, got number 42`],
      ["p2p.maxPeers", { p2p: { maxPeers: "50" } }, `p2p.maxPeers: expected integer 0–10000, got string "50"`],
      ["p2p.maxMessageBytes", { p2p: { maxMessageBytes: 1 } }, "p2p.maxMessageBytes: expected integer >= 1024"],
      ["validator", { validator: "0xabc" }, `validator: expected object, got string "0xabc"`],
      ["validator.keystore", { validator: { keystore: 5 } }, "validator.keystore: expected non-empty string, got number 5"],
      ["validator.passwordEnv", { validator: { keystore: "k.json", passwordEnv: "MY-PASS" } }, "validator.passwordEnv: expected an environment variable name"],
      ["validator.privateKeyEnv", { validator: { privateKeyEnv: 3 } }, "validator.privateKeyEnv: expected an environment variable name"],
      ["validator", { validator: {} }, `validator: give "keystore"`],
      ["validator", { validator: { keystore: "k.json", privateKeyEnv: "DEV_KEY" } }, `validator: give one key source of "keystore", "pkcs11" and "privateKeyEnv", not keystore and privateKeyEnv`],
      ["consensus.blockPeriodMs", { consensus: { blockPeriodMs: 0 } }, "consensus.blockPeriodMs: expected integer 1–3600000, got number 0"],
      ["consensus.proposalTimeoutMs", { consensus: { proposalTimeoutMs: "3s" } }, `consensus.proposalTimeoutMs: expected integer 1–3600000, got string "3s"`],
      ["consensus.maxTxsPerBlock", { consensus: { maxTxsPerBlock: null } }, "consensus.maxTxsPerBlock: expected integer 1–1000000, got null"],
      ["consensus.blockGasLimit", { consensus: { blockGasLimit: 100 } }, "consensus.blockGasLimit: expected integer >= 5000, got number 100"],
      ["consensus.proposalsByHash", { consensus: { proposalsByHash: "yes" } }, `consensus.proposalsByHash: expected boolean, got string "yes"`],
      ["gasFree.enabled", { gasFree: { enabled: 1 } }, "gasFree.enabled: expected boolean, got number 1"],
      ["gasFree.policy", { gasFree: { policy: "yes" } }, 'gasFree.policy: expected boolean, got string "yes"'],
      ["gasFree.maxTxPerSenderPerMinute", { gasFree: { maxTxPerSenderPerMinute: 0 } }, "gasFree.maxTxPerSenderPerMinute: expected integer 1–1000000"],
      ["gasFree.minGasPrice", { gasFree: { minGasPrice: -1 } }, "gasFree.minGasPrice: expected integer >= 0 (number, decimal string or 0x-hex string), got number -1"],
      ["pool.maxSize", { pool: { maxSize: 0 } }, "pool.maxSize: expected integer 1–10000000, got number 0"],
      ["snapshots.interval", { snapshots: { interval: -1 } }, "snapshots.interval: expected integer 0–100000000, got number -1"],
      ["snapshots.keep", { snapshots: { keep: 0 } }, "snapshots.keep: expected integer 1–1000, got number 0"],
      ["snapshots.syncFrom", { snapshots: { syncFrom: "ws://peer:1" } }, `snapshots.syncFrom: expected the http(s):// URL of a peer's RPC port, or null, got string "ws://peer:1"`],
      ["standby.enabled", { standby: { enabled: true } }, `standby.enabled: a standby holds the validator's key`],
      ["standby.afterBlocks", { validator: { privateKeyEnv: "K" }, standby: { enabled: true, afterBlocks: 0 } }, "standby.afterBlocks: expected integer 1–1000000, got number 0"],
      ["pool.maxPerSender", { pool: { maxPerSender: [] } }, "pool.maxPerSender: expected integer 1–10000000, got array"],
      ["pool.maxPerSender", { pool: { maxSize: 10, maxPerSender: 11 } }, "pool.maxPerSender: expected integer <= pool.maxSize (10), got number 11"],
      ["pool.priceBumpPercent", { pool: { priceBumpPercent: 10.5 } }, "pool.priceBumpPercent: expected integer 0–1000, got number 10.5"],
      ["pool.minGasPrice", { pool: { minGasPrice: "1 gwei" } }, `pool.minGasPrice: expected integer >= 0 (number, decimal string or 0x-hex string), got string "1 gwei"`],
      ["pool.minGasPrice", { pool: { minGasPrice: 1.5 } }, "pool.minGasPrice: expected integer >= 0"],
      ["pool.maxTxBytes", { pool: { maxTxBytes: 100 } }, "pool.maxTxBytes: expected integer 1024–16000000, got number 100"],
      ["pool.recoveryWorkers", { pool: { recoveryWorkers: 9 } }, "pool.recoveryWorkers: expected integer 0–8, got number 9"],
      ["pool.maxTxBytes", { pool: { maxTxBytes: 4096 }, p2p: { maxMessageBytes: 2048 } }, "pool.maxTxBytes: expected integer <= p2p.maxMessageBytes (2048)"],
      ["log.level", { log: { level: "verbose" } }, `log.level: expected one of debug, info, warn, error, got string "verbose"`],
      ["dataDir", { dataDir: 1 }, "dataDir: expected non-empty string, got number 1"],
      ["genesis", { genesis: true }, "genesis: expected non-empty string, got boolean true"],
    ];
    for (const [at, input, message] of cases) {
      it(`rejects ${at} = ${JSON.stringify(Object.values(input)[0])}`, function () {
        throwsConfig(() => resolve(withChain(input)), "CONFIG_INVALID", at, message);
      });
    }

    it("rejects a missing chainId without a genesis file", function () {
      throwsConfig(() => resolve({}), "CONFIG_INVALID", "chainId", `chainId: required (an integer >= 1), or give "genesis"`);
    });

    it("rejects chainId 0, negative, fractional and non-numeric", function () {
      throwsConfig(() => resolve({ chainId: 0 }), "CONFIG_INVALID", "chainId", "chainId: expected integer >= 1");
      throwsConfig(() => resolve({ chainId: -5 }), "CONFIG_INVALID", "chainId", "got number -5");
      throwsConfig(() => resolve({ chainId: 1.5 }), "CONFIG_INVALID", "chainId", "got number 1.5");
      throwsConfig(() => resolve({ chainId: "main" }), "CONFIG_INVALID", "chainId", `got string "main"`);
      throwsConfig(() => resolve({ chainId: 2 ** 60 }), "CONFIG_INVALID", "chainId", "got number");
    });

    it("rejects a root that is not an object", function () {
      throwsConfig(() => resolve([1]), "CONFIG_INVALID", "(root)", "(root): expected a JSON object, got array");
      throwsConfig(() => resolve("x"), "CONFIG_INVALID", "(root)", `got string "x"`);
    });
  });

  describe("unknown keys", function () {
    it("names an unknown top-level key and suggests the closest one", function () {
      throwsConfig(() => resolve(withChain({ chainID: 1 })), "CONFIG_UNKNOWN_KEY", "chainID", `chainID: unknown key (did you mean "chainId"?)`);
      throwsConfig(() => resolve(withChain({ consensu: {} })), "CONFIG_UNKNOWN_KEY", "consensu", `(did you mean "consensus"?)`);
    });

    it("names an unknown nested key with its full path and suggestion", function () {
      throwsConfig(() => resolve(withChain({ rpc: { prot: 1 } })), "CONFIG_UNKNOWN_KEY", "rpc.prot", `rpc.prot: unknown key (did you mean "rpc.port"?)`);
      throwsConfig(() => resolve(withChain({ pool: { maxPerSendr: 3 } })), "CONFIG_UNKNOWN_KEY", "pool.maxPerSendr", `did you mean "pool.maxPerSender"?`);
      throwsConfig(() => resolve(withChain({ snapshots: { servee: true } })), "CONFIG_UNKNOWN_KEY", "snapshots.servee", `did you mean "snapshots.serve"?`);
      throwsConfig(() => resolve(withChain({ gasFree: { enable: true } })), "CONFIG_UNKNOWN_KEY", "gasFree.enable", `did you mean "gasFree.enabled"?`);
      throwsConfig(() => resolve(withChain({ validator: { keyStore: "k.json" } })), "CONFIG_UNKNOWN_KEY", "validator.keyStore", `did you mean "validator.keystore"?`);
    });

    it("lists the known keys when nothing is close", function () {
      throwsConfig(() => resolve(withChain({ log: { zzzzzzzz: 1 } })), "CONFIG_UNKNOWN_KEY", "log.zzzzzzzz", "log.zzzzzzzz: unknown key (known keys: level)");
    });

    it("suggests only plausible keys", function () {
      expect(suggestKey("maxpeer", ["maxPeers", "port"])).to.equal("maxPeers");
      expect(suggestKey("qqqq", ["maxPeers", "port"])).to.equal(null);
    });
  });

  describe("secrets", function () {
    it("rejects validator.privateKey and says what to use instead", function () {
      const err = throwsConfig(
        () => resolve(withChain({ validator: { privateKey: "0x" + "11".repeat(32) } })),
        "CONFIG_SECRET",
        "validator.privateKey",
        "validator.privateKey: a private key must never be written in the configuration file",
      );
      expect(err.message).to.contain("validator.keystore").and.to.contain("validator.privateKeyEnv").and.to.contain("validator.passwordEnv");
      expect(err.message).not.to.contain("11".repeat(32));
    });

    it("rejects a top-level privateKey or mnemonic too", function () {
      throwsConfig(() => resolve(withChain({ privateKey: "0x01" })), "CONFIG_SECRET", "privateKey", "must never be written");
      throwsConfig(() => resolve(withChain({ mnemonic: "test test" })), "CONFIG_SECRET", "mnemonic", "must never be written");
    });

    it("rejects a key written where the environment variable's name belongs", function () {
      const key = "ab".repeat(32);
      const err = throwsConfig(() => resolve(withChain({ validator: { privateKeyEnv: key } })), "CONFIG_SECRET", "validator.privateKeyEnv", "looks like a private key");
      expect(err.message).not.to.contain(key);
    });
  });

  describe("files", function () {
    let dir: string;
    beforeEach(function () {
      dir = mkdtempSync(path.join(os.tmpdir(), "lu-config-"));
    });
    afterEach(function () {
      rmSync(dir, { recursive: true, force: true });
    });

    it("loads a JSON file and resolves paths against its folder", function () {
      const file = path.join(dir, "node.json");
      writeFileSync(file, JSON.stringify({ chainId: 99, dataDir: "chain", rpc: { port: 0 } }));
      const c = loadNodeConfigFile(file);
      expect(c.chainId).to.equal(99n);
      expect(c.dataDir).to.equal(path.join(dir, "chain"));
      expect(c.rpc.port).to.equal(0);
    });

    it("reports a missing file with its path", function () {
      const file = path.join(dir, "nope.json");
      throwsConfig(() => loadNodeConfigFile(file), "CONFIG_FILE", "", `configuration file not found: ${file}`);
    });

    it("reports a folder given as the file with its path", function () {
      throwsConfig(() => loadNodeConfigFile(dir), "CONFIG_FILE", "", `cannot read configuration file ${dir}`);
    });

    it("reports invalid JSON with the path", function () {
      const file = path.join(dir, "bad.json");
      writeFileSync(file, "{ chainId: 1, }");
      throwsConfig(() => loadNodeConfigFile(file), "CONFIG_FILE", "", `configuration file ${file} is not valid JSON`);
    });

    it("prefixes a validation error with the file's path", function () {
      const file = path.join(dir, "node.json");
      writeFileSync(file, JSON.stringify({ chainId: 1, rpc: { port: "abc" } }));
      throwsConfig(() => loadNodeConfigFile(file), "CONFIG_INVALID", "rpc.port", `${file}: rpc.port: expected integer 0–65535, got string "abc"`);
    });

    it("takes chainId from the genesis file (geth's config.chainId)", function () {
      writeFileSync(path.join(dir, "genesis.json"), JSON.stringify({ config: { chainId: 424242 }, alloc: {} }));
      const c = resolveNodeConfig({ genesis: "genesis.json" }, dir);
      expect(c.chainId).to.equal(424242n);
      expect(c.genesis).to.equal(path.join(dir, "genesis.json"));
    });

    it("takes a top-level chainId from the genesis file and accepts an agreeing config", function () {
      writeFileSync(path.join(dir, "genesis.json"), JSON.stringify({ chainId: "0x10" }));
      expect(resolveNodeConfig({ genesis: "genesis.json", chainId: 16 }, dir).chainId).to.equal(16n);
    });

    it("rejects a chainId that differs from the genesis file's", function () {
      writeFileSync(path.join(dir, "genesis.json"), JSON.stringify({ config: { chainId: 5 } }));
      throwsConfig(() => resolveNodeConfig({ genesis: "genesis.json", chainId: 6 }, dir), "CONFIG_INVALID", "chainId", "chainId: 6 differs from the genesis file's chain id 5");
    });

    it("requires chainId when the genesis file does not state one", function () {
      writeFileSync(path.join(dir, "genesis.json"), JSON.stringify({ alloc: {} }));
      throwsConfig(() => resolveNodeConfig({ genesis: "genesis.json" }, dir), "CONFIG_INVALID", "chainId", "does not state one");
      expect(resolveNodeConfig({ genesis: "genesis.json", chainId: 3 }, dir).chainId).to.equal(3n);
    });

    it("reports a missing, invalid or malformed genesis file with its path", function () {
      const g = path.join(dir, "genesis.json");
      throwsConfig(() => resolveNodeConfig({ genesis: "genesis.json" }, dir), "CONFIG_FILE", "genesis", `genesis: file not found: ${g}`);
      writeFileSync(g, "not json");
      throwsConfig(() => resolveNodeConfig({ genesis: "genesis.json" }, dir), "CONFIG_FILE", "genesis", `genesis: ${g} is not valid JSON`);
      writeFileSync(g, "[1]");
      throwsConfig(() => resolveNodeConfig({ genesis: "genesis.json" }, dir), "CONFIG_FILE", "genesis", "must hold a JSON object");
      writeFileSync(g, JSON.stringify({ config: { chainId: "x" } }));
      throwsConfig(() => resolveNodeConfig({ genesis: "genesis.json" }, dir), "CONFIG_FILE", "genesis", `chainId: expected integer >= 1`);
    });
  });
});
