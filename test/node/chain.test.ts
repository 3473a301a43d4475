/**
 * The chain's block reads from disk (node/chain/chain.ts): a block asked for by many callers at once is read and
 * decoded once, and blocks are read one at a time — a JSON-RPC batch of receipts spread over many old blocks must not
 * hold all of them decoded at once (it ran a 384 MiB heap out of memory under bench:node before).
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { bytesToHex } from "@ethereumjs/util";
import { Chain } from "../../node/chain/chain";
import { makeCommon } from "../../node/execution/common";
import type { HeaderFields } from "../../node/execution/executor";
import type { GenesisFile } from "../../node/genesis/genesis";
import { testGenesis } from "./helpers/nodes";

describe("node/chain: block reads from disk", function () {
  this.timeout(300_000);
  let dir: string;
  let g: GenesisFile;
  const hashes: `0x${string}`[] = [];
  const BLOCKS = 12;

  before(async () => {
    g = JSON.parse(readFileSync(await testGenesis({ chainId: 7131, validators: 1, gasFree: true }), "utf8")) as GenesisFile;
    dir = mkdtempSync(path.join(tmpdir(), "luniverse-chain-test-"));
    const chain = await Chain.open(dir, g, makeCommon(BigInt(g.config.chainId)));
    try {
      for (let i = 0; i < BLOCKS; i++) {
        const parent = chain.head;
        const number = parent.header.number + 1n;
        const fields: HeaderFields = { number, timestamp: parent.header.timestamp + 1n, coinbase: `0x${"00".repeat(20)}`, gasLimit: parent.header.gasLimit, baseFeePerGas: parent.header.baseFeePerGas ?? 0n, extraData: new Uint8Array(0) };
        const executed = await chain.executor.build(parent, fields, [], [], { maxTxs: 0 });
        await chain.commit(executed, []);
        hashes.push(bytesToHex(executed.block.hash()) as `0x${string}`);
      }
    } finally {
      await chain.close();
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reads a block asked for by concurrent callers once, and reads blocks one at a time", async () => {
    // reopened: nothing cached but the head
    const chain = await Chain.open(dir, g, makeCommon(BigInt(g.config.chainId)));
    try {
      const level = chain.level as unknown as { get: (key: string) => Promise<Uint8Array | undefined> };
      const get = level.get.bind(level);
      let inFlight = 0;
      let maxInFlight = 0;
      let blockGets = 0;
      level.get = async (key: string) => {
        if (!key.startsWith("b:")) return get(key);
        blockGets++;
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        try {
          return await get(key);
        } finally {
          inFlight--;
        }
      };
      const old = hashes.slice(0, BLOCKS - 1); // the head is kept decoded
      const asked = [...old, ...old, ...old.map((h) => h.toUpperCase().replace("0X", "0x") as `0x${string}`)];
      const before = chain.blocksRead;
      const blocks = await Promise.all(asked.map((h) => chain.getBlockByHash(h)));
      blocks.forEach((b, i) => expect(bytesToHex(b!.hash())).to.equal(asked[i]!.toLowerCase()));
      for (let i = 0; i < old.length; i++) {
        expect(blocks[i + old.length]).to.equal(blocks[i]); // the same object for every caller
        expect(blocks[i + 2 * old.length]).to.equal(blocks[i]);
      }
      expect(chain.blocksRead - before).to.equal(old.length);
      expect(blockGets).to.equal(old.length);
      expect(maxInFlight).to.equal(1);
      // afterwards served from the cache, and an unknown hash is null (also when asked twice at once)
      expect(await chain.getBlockByHash(old[0]!)).to.equal(blocks[0]);
      const unknown = `0x${"ab".repeat(32)}` as const;
      expect(await Promise.all([chain.getBlockByHash(unknown), chain.getBlockByHash(unknown)])).to.deep.equal([null, null]);
    } finally {
      await chain.close();
    }
  });
});
