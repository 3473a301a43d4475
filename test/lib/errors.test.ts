import { expect } from "chai";
import { Interface, makeError } from "ethers";
import { ArgumentError, LuniverseError, composeMessage, errorMessage, isLuniverseError } from "../../lib/errors";
import { ContractCallError, decodeCustomError, explainError, explainRevert, revertData } from "../../lib/revert";
import { camelCase, kebabCase, parseAddress, parseAmount, parseBytes32Id, parseCommandLine, parseInteger, parsePort } from "../../lib/args";
import { ConfigError, checkKeys, int, readJsonFile, section, suggestKey } from "../../lib/config";
import { DEV_ROLES, devAddresses, devWallet } from "../../lib/accounts";

/** The error `fn` throws (fails the test when it throws none). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return expect.fail("expected an error");
}

describe("lib/errors: the one error base", () => {
  it("composes short message, details and hint, and keeps each apart", () => {
    const e = new LuniverseError("TEST_FAILED", "the thing failed", { details: "RPC said no", hint: "start the node first" });
    expect(e.message).to.equal("the thing failed: RPC said no — start the node first");
    expect(e.shortMessage).to.equal("the thing failed");
    expect(e.details).to.equal("RPC said no");
    expect(e.hint).to.equal("start the node first");
    expect(e.code).to.equal("TEST_FAILED");
    expect(composeMessage("x")).to.equal("x");
  });

  it("keeps the cause", () => {
    const cause = new Error("inner");
    expect(new LuniverseError("TEST_FAILED", "outer", { cause }).cause).to.equal(cause);
  });

  it("recognises the repository's errors by their marker, not ethers' errors that have a code and a short message", () => {
    expect(isLuniverseError(new ArgumentError("ARG_INVALID", "amount", "--amount is wrong"))).to.equal(true);
    expect(isLuniverseError({ code: "X_Y", shortMessage: "s", message: "m", isLuniverseError: true })).to.equal(true);
    const ethersError = makeError("execution reverted", "CALL_EXCEPTION", { action: "call", data: "0x", reason: null, transaction: { to: null, data: "0x" }, invocation: null, revert: null });
    expect(isLuniverseError(ethersError)).to.equal(false);
    expect(isLuniverseError(new Error("plain"))).to.equal(false);
    expect(isLuniverseError("text")).to.equal(false);
  });

  it("errorMessage prefers a library's short message", () => {
    expect(errorMessage({ shortMessage: "short", message: "long and noisy" })).to.equal("short");
    expect(errorMessage(new Error("m"))).to.equal("m");
    expect(errorMessage(42)).to.equal("42");
  });
});

describe("lib/revert: the revert decoder", () => {
  const iface = new Interface(["error ValidatorSetInsufficientStake(uint256 stake, uint256 minStake)"]);
  const data = iface.encodeErrorResult("ValidatorSetInsufficientStake", [5n, 10n]);
  // as ethers wraps a JSON-RPC error: the data sits a few levels down
  const wrapped = { shortMessage: "execution reverted", info: { error: { code: 3, data } } };

  it("finds revert data however deeply it is wrapped", () => {
    expect(revertData(wrapped)).to.equal(data);
    expect(revertData({ message: "no data" })).to.equal(undefined);
  });

  it("names the project's custom error with its arguments", () => {
    expect(decodeCustomError(wrapped)?.name).to.equal("ValidatorSetInsufficientStake");
  });

  it("explains a revert with the error, its arguments and the hint", async () => {
    const e = (await explainRevert("validator:stake", () => Promise.reject(wrapped)).catch((x: unknown) => x)) as ContractCallError;
    expect(e).to.be.instanceOf(ContractCallError);
    expect(e.code).to.equal("CONTRACT_REVERT");
    expect(e.errorName).to.equal("ValidatorSetInsufficientStake");
    expect(e.message).to.equal("validator:stake reverted with ValidatorSetInsufficientStake(5, 10): bond more stake first (npx hardhat validator:stake --amount <tokens>)");
  });

  it("explains a real ethers CALL_EXCEPTION (not mistaken for one of ours)", () => {
    const ethersError = makeError("execution reverted", "CALL_EXCEPTION", { action: "call", data, reason: null, transaction: { to: null, data: "0x" }, invocation: null, revert: null });
    const e = explainError("stake", ethersError) as ContractCallError;
    expect(e.errorName).to.equal("ValidatorSetInsufficientStake");
  });

  it("says `failed` with the message for a failure without revert data, and passes its own errors through", () => {
    const e = explainError("deposit", new Error("connection refused")) as ContractCallError;
    expect(e.code).to.equal("CONTRACT_CALL_FAILED");
    expect(e.message).to.equal("deposit failed: connection refused");
    const own = new ArgumentError("ARG_INVALID", "x", "--x is wrong");
    expect(explainError("deposit", own)).to.equal(own);
  });
});

describe("lib/args: flags and command lines", () => {
  it("parses amounts, addresses, integers, ids and ports, naming the flag when wrong", () => {
    expect(parseAmount("amount", "1.5")).to.equal(1_500_000_000_000_000_000n);
    expect((thrown(() => parseAmount("amount", "-1")) as ArgumentError).message).to.match(/--amount must be a positive decimal number/);
    expect((thrown(() => parseAmount("amount", "0")) as ArgumentError).message).to.match(/--amount must be greater than zero/);
    expect((thrown(() => parseAmount("amount", "0.0000001", 2)) as ArgumentError).message).to.match(/more than 2 decimals/);
    expect(parseAddress("to", "0x70997970c51812dc3a010c7d01b50e0d17dc79c8")).to.equal("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    expect((thrown(() => parseAddress("to", undefined)) as ArgumentError).code).to.equal("ARG_MISSING");
    expect((thrown(() => parseAddress("to", "0x12")) as ArgumentError).flag).to.equal("to");
    expect(parseInteger("block", "12")).to.equal(12n);
    expect(() => parseInteger("block", "1.2")).to.throw(ArgumentError, /--block must be a non-negative integer/);
    expect(() => parseBytes32Id("pair", "0x12")).to.throw(ArgumentError, /--pair must be a 0x-prefixed 32-byte id/);
    expect(parsePort("port", "8545")).to.equal(8545);
    expect(parsePort("port", 0, true)).to.equal(0);
    expect(() => parsePort("port", "0")).to.throw(ArgumentError, /--port must be a port number 1..65535/);
    expect(kebabCase("mainRpc")).to.equal("main-rpc");
    expect(camelCase("main-rpc")).to.equal("mainRpc");
  });

  const options = { config: { type: "string" }, reset: { type: "boolean" } } as const;

  it("parses a command line", () => {
    expect(parseCommandLine(["--config", "node.json", "--reset"], options).values).to.deep.equal({ config: "node.json", reset: true });
  });

  it("names an unknown flag and the one meant", () => {
    const e = thrown(() => parseCommandLine(["--confg", "x"], options, "usage: cli --config FILE")) as ArgumentError;
    expect(e.code).to.equal("ARG_UNKNOWN");
    expect(e.message).to.equal("unknown option --confg (did you mean --config?); usage: cli --config FILE");
  });

  it("says a flag needs a value, and refuses a stray argument", () => {
    expect((thrown(() => parseCommandLine(["--config"], options)) as ArgumentError).message).to.equal("--config needs a value");
    expect((thrown(() => parseCommandLine(["extra"], options)) as ArgumentError).message).to.match(/^unexpected argument "extra"; options are --name value/);
  });
});

describe("lib/config: the validation kit", () => {
  it("names an unknown key with the one meant, or lists the known keys", () => {
    const e = thrown(() => checkKeys({ maxPeer: 3 }, ["maxPeers", "port"], "p2p")) as ConfigError;
    expect(e.code).to.equal("CONFIG_UNKNOWN_KEY");
    expect(e.path).to.equal("p2p.maxPeer");
    expect(e.message).to.equal('p2p.maxPeer: unknown key (did you mean "p2p.maxPeers"?)');
    expect((thrown(() => checkKeys({ zzzz: 1 }, ["port"], "")) as ConfigError).message).to.equal("zzzz: unknown key (known keys: port)");
    expect(suggestKey("qqqq", ["port"])).to.equal(null);
  });

  it("refuses a key that looks like a secret", () => {
    expect((thrown(() => checkKeys({ privateKey: "0x…" }, ["port"], "validator")) as ConfigError).code).to.equal("CONFIG_SECRET");
  });

  it("checks types and ranges, naming the key, the expectation and the value", () => {
    expect(int({ port: 8 }, "port", "rpc", 1, 0, 65535)).to.equal(8);
    expect(int({}, "port", "rpc", 1, 0, 65535)).to.equal(1);
    expect((thrown(() => int({ port: "8" }, "port", "rpc", 1, 0, 65535)) as ConfigError).message).to.equal('rpc.port: expected integer 0–65535, got string "8"');
    expect((thrown(() => section({ rpc: [] }, "rpc", "", ["port"])) as ConfigError).message).to.equal("rpc: expected object, got array");
  });

  it("reads a JSON file, or says why it cannot", () => {
    expect((thrown(() => readJsonFile("/nonexistent/x.json", "relayer config")) as ConfigError).message).to.match(/^cannot read relayer config file \/nonexistent\/x.json/);
  });
});

describe("lib/accounts: the development roles", () => {
  it("derives the Hardhat mnemonic's accounts, one role table for every local chain", () => {
    expect(devWallet(0).address).to.equal("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    expect(devAddresses(DEV_ROLES.validators)[0]).to.equal("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    const all = [DEV_ROLES.deployer, ...DEV_ROLES.validators, ...DEV_ROLES.council, ...DEV_ROLES.signers, DEV_ROLES.productDeveloper, DEV_ROLES.anchorerPhase1, DEV_ROLES.anchorerPhase2, DEV_ROLES.user];
    expect(new Set(all).size).to.equal(all.length);
  });
});
