/**
 * Parameter validation (-32602 with messages that name the argument and what was expected), block tag resolution
 * for state and block methods, eth_getLogs rules and polling filters.
 */
import { expect } from "chai";
import { RECIPIENT, SENDER, TOKEN, TRANSFER_TOPIC, CHAIN_ID, GAS_PRICE } from "./backend";
import { call, result, rpcError, startMock, type Started } from "./helpers";

const sender = SENDER.address.toLowerCase();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("node/rpc parameters, block tags and filters", function () {
  let s: Started;

  before(async function () {
    s = await startMock({ maxLogsRange: 3, filterTtlMs: 1_000 });
  });

  after(async function () {
    await s.server.close();
  });

  describe("invalid params (-32602)", function () {
    const cases: [string, string, unknown[], string | RegExp][] = [
      ["a missing required argument", "eth_getBalance", [], "missing value for required argument 0"],
      ["a null required argument", "eth_getTransactionByHash", [null], "missing value for required argument 0"],
      ["too many arguments", "eth_blockNumber", ["0x1"], "too many arguments, want at most 0"],
      ["too many arguments for a state method", "eth_getBalance", [TOKEN, "latest", 1], "too many arguments, want at most 2"],
      ["an address without 0x", "eth_getBalance", [TOKEN.slice(2), "latest"], "invalid argument 0: hex string without 0x prefix"],
      ["an address of the wrong length", "eth_getCode", [TOKEN.slice(0, 40), "latest"], "invalid argument 0: hex string has length 38, want 40 for address"],
      ["an address with non-hex digits", "eth_getTransactionCount", [`0x${"zz".repeat(20)}`], /^invalid argument 0: invalid hex string/],
      ["an address that is not a string", "eth_getBalance", [123], "invalid argument 0: expected address as a 0x-prefixed hex string, got number"],
      ["a hash of the wrong length", "eth_getTransactionReceipt", ["0x1234"], "invalid argument 0: hex string has length 4, want 64 for 32-byte hash"],
      ["an unknown block tag", "eth_getBalance", [TOKEN, "newest"], /^invalid argument 1: expected a block number \(0x-prefixed hex\) or one of latest, safe, finalized, earliest, pending/],
      ["a decimal block number", "eth_getBlockByNumber", [1, false], "invalid argument 0: expected a block number or tag as a string, got number"],
      ["an empty quantity", "eth_getBlockByNumber", ["0x", false], 'invalid argument 0: hex string "0x" is not a block number; zero is "0x0"'],
      ["a non-boolean fullTransactions", "eth_getBlockByNumber", ["0x1", "yes"], "invalid argument 1: expected a boolean (true or false), got string"],
      ["odd-length transaction data", "eth_sendRawTransaction", ["0x123"], "invalid argument 0: hex string of odd length (signed transaction must be whole bytes)"],
      ["an empty raw transaction", "eth_sendRawTransaction", ["0x"], /^invalid argument 0: empty transaction/],
      ["a call that is not an object", "eth_call", ["0x00", "latest"], "invalid argument 0: expected a transaction call object, got string"],
      ["a bad field in a call", "eth_call", [{ to: "0x1234" }], 'invalid argument 0: field "to": hex string has length 4, want 40 for address'],
      ["a bad quantity in a call", "eth_estimateGas", [{ to: TOKEN, value: "12" }], 'invalid argument 0: field "value": hex string without 0x prefix'],
      ["data and input that differ", "eth_call", [{ to: TOKEN, data: "0x01", input: "0x02" }], /both "data" and "input" are set and not equal/],
      ["gasPrice with EIP-1559 fees", "eth_call", [{ to: TOKEN, gasPrice: "0x1", maxFeePerGas: "0x2" }], /both gasPrice and \(maxFeePerGas or maxPriorityFeePerGas\) specified/],
      ["a call for another chain", "eth_call", [{ to: TOKEN, chainId: "0x1" }], /field "chainId": 1 does not match this chain \(7777\)/],
      ["state overrides", "eth_call", [{ to: TOKEN }, "latest", { [TOKEN]: { balance: "0x1" } }], /state and block overrides are not supported/],
      ["a storage slot wider than 32 bytes", "eth_getStorageAt", [TOKEN, `0x${"1".repeat(65)}`, "latest"], "invalid argument 1: hex string has length 65, want at most 64 for a storage slot"],
      ["an EIP-1898 object with both number and hash", "eth_getBalance", [TOKEN, { blockNumber: "0x1", blockHash: `0x${"00".repeat(32)}` }], /cannot specify both blockHash and blockNumber/],
      ["decreasing reward percentiles", "eth_feeHistory", ["0x2", "latest", [50, 10]], "invalid argument 2: percentiles must be increasing (50 then 10)"],
      ["a percentile over 100", "eth_feeHistory", ["0x2", "latest", [101]], "invalid argument 2: percentile 0 must be a number between 0 and 100"],
      ["web3_sha3 of non-hex", "web3_sha3", ["hello"], "invalid argument 0: hex string without 0x prefix"],
    ];
    for (const [what, method, params, message] of cases) {
      it(`refuses ${what} (${method})`, async function () {
        const got = await rpcError(s.server.url, method, params, -32602);
        if (typeof message === "string") expect(got).to.equal(message);
        else expect(got).to.match(message);
      });
    }

    it("answers eth_subscribe and eth_unsubscribe over HTTP with -32601 notifications not supported", async function () {
      expect(await rpcError(s.server.url, "eth_subscribe", ["newHeads"], -32601)).to.equal("notifications not supported");
      expect(await rpcError(s.server.url, "eth_unsubscribe", ["0x1"], -32601)).to.equal("notifications not supported");
    });

    it("accepts quantities with leading zeros, as clients send them", async function () {
      const b = (await result(s.server.url, "eth_getBlockByNumber", ["0x01", false])) as { number: string };
      expect(b.number).to.equal("0x1");
    });

    it("accepts a decimal block count in eth_feeHistory", async function () {
      const h = (await result(s.server.url, "eth_feeHistory", [2, "0x2"])) as { oldestBlock: string };
      expect(h.oldestBlock).to.equal("0x1");
    });

    it("ignores call fields the node does not use and treats input as data", async function () {
      await result(s.server.url, "eth_call", [{ to: TOKEN, input: "0xabcd", blobVersionedHashes: [], customField: 1, chainId: `0x${CHAIN_ID.toString(16)}` }]);
      expect(s.backend.last("call")!.args[0]).to.deep.equal({ to: TOKEN, data: "0xabcd" });
    });

    it("decodes every call field into the backend's CallRequest", async function () {
      await result(s.server.url, "eth_estimateGas", [
        { from: SENDER.address, to: null, gas: "0x5208", maxFeePerGas: "0x10", maxPriorityFeePerGas: "0x1", value: "0x0a", nonce: "0x3", data: "0x00" },
      ]);
      expect(s.backend.last("estimateGas")!.args[0]).to.deep.equal({ from: sender, to: null, gas: 21000n, maxFeePerGas: 16n, maxPriorityFeePerGas: 1n, value: 10n, nonce: 3n, data: "0x00" });
    });
  });

  describe("block tags", function () {
    const lastBlockArg = (method: string) => {
      const c = s.backend.last(method)!;
      return c.args[c.args.length - 1];
    };

    it("resolves latest, safe, finalized, earliest and pending for state methods", async function () {
      const expected: [unknown, unknown][] = [
        ["latest", 2n],
        ["safe", 1n],
        ["finalized", 1n],
        ["earliest", 0n],
        ["pending", "pending"],
        ["0x1", 1n],
        [undefined, 2n],
      ];
      for (const [tag, want] of expected) {
        await result(s.server.url, "eth_getTransactionCount", tag === undefined ? [sender] : [sender, tag]);
        expect(lastBlockArg("getTransactionCount"), String(tag)).to.equal(want);
      }
    });

    it("resolves EIP-1898 block references by number and by hash", async function () {
      await result(s.server.url, "eth_getBalance", [sender, { blockNumber: "0x1" }]);
      expect(lastBlockArg("getBalance")).to.equal(1n);
      await result(s.server.url, "eth_getCode", [TOKEN, { blockHash: s.backend.blocks[1].hash, requireCanonical: true }]);
      expect(lastBlockArg("getCode")).to.equal(1n);
      await result(s.server.url, "eth_call", [{ to: TOKEN }, { blockHash: s.backend.blocks[0].hash }]);
      expect(lastBlockArg("call")).to.equal(0n);
    });

    it("answers a state query above the head with -32000 header not found", async function () {
      expect(await rpcError(s.server.url, "eth_getBalance", [sender, "0x10"], -32000)).to.equal("header not found");
      expect(await rpcError(s.server.url, "eth_call", [{ to: TOKEN }, "0x3"], -32000)).to.equal("header not found");
    });

    it("answers an unknown EIP-1898 block hash with -32000", async function () {
      expect(await rpcError(s.server.url, "eth_getBalance", [sender, { blockHash: `0x${"12".repeat(32)}` }], -32000)).to.equal("header for hash not found");
    });

    it("answers block methods above the head with null, and pending with the head", async function () {
      expect(await result(s.server.url, "eth_getBlockByNumber", ["0x10", false])).to.equal(null);
      expect(await result(s.server.url, "eth_getBlockByHash", [`0x${"12".repeat(32)}`, false])).to.equal(null);
      const pending = (await result(s.server.url, "eth_getBlockByNumber", ["pending", false])) as { number: string };
      expect(pending.number).to.equal("0x2");
      const safe = (await result(s.server.url, "eth_getBlockByNumber", ["safe", false])) as { number: string };
      expect(safe.number).to.equal("0x1");
      const earliest = (await result(s.server.url, "eth_getBlockByNumber", ["earliest"])) as { number: string };
      expect(earliest.number).to.equal("0x0");
    });

    it("pads a storage slot quantity to a 32-byte word", async function () {
      expect(await result(s.server.url, "eth_getStorageAt", [TOKEN, "0x0", "latest"])).to.equal(`0x${"00".repeat(31)}2a`);
      expect(s.backend.last("getStorageAt")!.args[1]).to.equal(`0x${"00".repeat(32)}`);
    });

    it("answers luniverse_validators at a tag and refuses a height above the head", async function () {
      await result(s.server.url, "luniverse_validators", ["finalized"]);
      expect(s.backend.last("validators")!.args[0]).to.equal(1n);
      expect(await rpcError(s.server.url, "luniverse_validators", ["0x99"], -32000)).to.equal("header not found");
      expect(await result(s.server.url, "luniverse_getFinality", ["0x99"])).to.equal(null);
    });
  });

  describe("eth_getLogs", function () {
    it("refuses blockHash together with fromBlock/toBlock", async function () {
      const message = await rpcError(s.server.url, "eth_getLogs", [{ blockHash: s.backend.blocks[1].hash, fromBlock: "0x0" }], -32602);
      expect(message).to.equal("invalid argument 0: cannot specify both blockHash and fromBlock/toBlock, choose one or the other");
    });

    it("refuses fromBlock after toBlock", async function () {
      expect(await rpcError(s.server.url, "eth_getLogs", [{ fromBlock: "0x2", toBlock: "0x1" }], -32602)).to.match(/invalid block range params/);
    });

    it("refuses a range over maxLogsRange with -32005", async function () {
      s.backend.mine();
      s.backend.mine();
      const message = await rpcError(s.server.url, "eth_getLogs", [{ fromBlock: "0x0", toBlock: "latest" }], -32005);
      expect(message).to.match(/^query returns more than 3 blocks \(asked for 5: 0x0\.\.0x4\)/);
      expect(await result(s.server.url, "eth_getLogs", [{ fromBlock: "0x1", toBlock: "0x3" }])).to.have.length(1);
    });

    it("clamps toBlock to the head and answers a range above it with []", async function () {
      await result(s.server.url, "eth_getLogs", [{ fromBlock: "0x3", toBlock: "0x99" }]);
      expect(s.backend.last("getLogs")!.args[0]).to.deep.include({ fromBlock: 3n, toBlock: 4n });
      expect(await result(s.server.url, "eth_getLogs", [{ fromBlock: "0x50" }])).to.deep.equal([]);
    });

    it("refuses more than four topic positions and unknown fields", async function () {
      expect(await rpcError(s.server.url, "eth_getLogs", [{ topics: [null, null, null, null, null] }], -32602)).to.match(/exceed max topics/);
      expect(await rpcError(s.server.url, "eth_getLogs", [{ adress: TOKEN }], -32602)).to.match(/unknown field "adress"/);
      expect(await rpcError(s.server.url, "eth_getLogs", [{ address: [TOKEN, "0x12"] }], -32602)).to.match(/field "address\[1\]": hex string has length 2/);
    });

    it("passes address (one or many) and topics (with wildcards and alternatives) to the backend", async function () {
      const logs = (await result(s.server.url, "eth_getLogs", [{ blockHash: s.backend.blocks[1].hash, address: TOKEN.toUpperCase().replace("0X", "0x"), topics: [[TRANSFER_TOPIC, `0x${"33".repeat(32)}`], null] }])) as unknown[];
      expect(logs).to.have.length(1);
      const filter = s.backend.last("getLogs")!.args[0];
      expect(filter).to.deep.equal({ fromBlock: 1n, toBlock: 1n, blockHash: s.backend.blocks[1].hash, address: [TOKEN], topics: [[TRANSFER_TOPIC, `0x${"33".repeat(32)}`]] });
    });
  });

  describe("polling filters", function () {
    it("returns new block hashes once through a block filter", async function () {
      const id = (await result(s.server.url, "eth_newBlockFilter")) as string;
      expect(await result(s.server.url, "eth_getFilterChanges", [id])).to.deep.equal([]);
      const a = s.backend.mine();
      const b = s.backend.mine();
      expect(await result(s.server.url, "eth_getFilterChanges", [id])).to.deep.equal([a.hash, b.hash]);
      expect(await result(s.server.url, "eth_getFilterChanges", [id])).to.deep.equal([]);
      expect(await result(s.server.url, "eth_uninstallFilter", [id])).to.equal(true);
      expect(await result(s.server.url, "eth_uninstallFilter", [id])).to.equal(false);
      expect(await rpcError(s.server.url, "eth_getFilterChanges", [id], -32000)).to.equal("filter not found");
    });

    it("returns matching new logs through a log filter, and past ones through eth_getFilterLogs", async function () {
      const id = (await result(s.server.url, "eth_newFilter", [{ fromBlock: "latest", address: TOKEN, topics: [TRANSFER_TOPIC] }])) as string;
      const other = (await result(s.server.url, "eth_newFilter", [{ address: RECIPIENT }])) as string;
      const nonce = await s.backend.getTransactionCount(sender as `0x${string}`, "pending");
      const raw = await SENDER.signTransaction({ type: 2, chainId: CHAIN_ID, nonce: Number(nonce), to: TOKEN, gasLimit: 50_000n, maxFeePerGas: 2n * GAS_PRICE, maxPriorityFeePerGas: 1n });
      const hash = await result(s.server.url, "eth_sendRawTransaction", [raw]);
      const mined = s.backend.mine();
      const changes = (await result(s.server.url, "eth_getFilterChanges", [id])) as { transactionHash: string; blockNumber: string }[];
      expect(changes).to.have.length(1);
      expect(changes[0].transactionHash).to.equal(hash);
      expect(changes[0].blockNumber).to.equal(mined.number);
      expect(await result(s.server.url, "eth_getFilterChanges", [other])).to.deep.equal([]);
      const past = (await result(s.server.url, "eth_getFilterLogs", [id])) as unknown[];
      expect(past).to.have.length(1);
      expect(await rpcError(s.server.url, "eth_getFilterLogs", [(await result(s.server.url, "eth_newBlockFilter")) as string], -32000)).to.match(/filter not found/);
    });

    it("forgets a filter that is not polled within the TTL", async function () {
      const id = (await result(s.server.url, "eth_newBlockFilter")) as string;
      await sleep(1_200);
      expect(await rpcError(s.server.url, "eth_getFilterChanges", [id], -32000)).to.equal("filter not found");
    });

    it("refuses a malformed filter id", async function () {
      expect(await rpcError(s.server.url, "eth_getFilterChanges", ["abc"], -32602)).to.match(/expected a filter id/);
    });
  });

  describe("node state methods", function () {
    it("reports syncing as an object while the node syncs", async function () {
      s.backend.syncing = true;
      s.backend.peerList[0].height = "0x64";
      try {
        const res = await call(s.server.url, "eth_syncing");
        expect(res.result).to.deep.equal({ startingBlock: `0x${s.backend.blockNumber().toString(16)}`, currentBlock: `0x${s.backend.blockNumber().toString(16)}`, highestBlock: "0x64" });
      } finally {
        s.backend.syncing = false;
      }
      expect(await result(s.server.url, "eth_syncing")).to.equal(false);
    });

    it("answers eth_coinbase with -32000 on a node that is not a validator", async function () {
      s.backend.validator = null;
      try {
        expect(await rpcError(s.server.url, "eth_coinbase", [], -32000)).to.match(/etherbase must be explicitly specified/);
        expect(await result(s.server.url, "eth_mining")).to.equal(false);
      } finally {
        s.backend.validator = "0x00000000000000000000000000000000000000a1";
      }
    });
  });
});
