import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { deployAnchor } from "../../../deploy/anchor";
import { manifestPath, readManifest, writeManifest } from "../../../deploy/manifest";
import { loadDeployment } from "../../../tasks/lib/system";
import type { AnchorRegistry } from "../../../typechain-types";
import { expectTaskError, passWithTasks, runTask as run } from "../../helpers/tasks";
import { freePort } from "./processes";

const CHILD = "7001";

describe("tasks: anchoring (arguments, anchor:authorize through governance)", function () {
  let dir: string;
  const previous = process.env.LUNIVERSE_DEPLOYMENTS_DIR;
  let url: string; // a port nothing listens on
  const ok = () => ({ child: url, parent: url.replace(/:(\d+)$/, (_m, p: string) => `:${Number(p) + 1}`) });

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), "luniverse-anchor-tasks-"));
    process.env.LUNIVERSE_DEPLOYMENTS_DIR = dir;
    url = `http://127.0.0.1:${await freePort()}`;
  });

  after(function () {
    if (previous === undefined) delete process.env.LUNIVERSE_DEPLOYMENTS_DIR;
    else process.env.LUNIVERSE_DEPLOYMENTS_DIR = previous;
    rmSync(dir, { recursive: true, force: true });
  });

  describe("anchor:run", function () {
    const base = () => ({ ...ok(), every: "10", confirmations: "2", pollMs: "1000", metricsHost: "127.0.0.1", name: "t", logLevel: "error", passwordEnv: "KEYSTORE_PASSWORD" });

    it("rejects URLs that are not http(s), and the same URL twice", async function () {
      await expectTaskError(run("anchor:run", { ...base(), child: "" }), /--child is required: the chain's JSON-RPC URL/);
      await expectTaskError(run("anchor:run", { ...base(), child: "ws://127.0.0.1:1" }), /--child must be an http\(s\) JSON-RPC URL, got "ws:\/\/127\.0\.0\.1:1"/);
      await expectTaskError(run("anchor:run", { ...base(), parent: "localhost:8545" }), /--parent must be an http\(s\) JSON-RPC URL/);
      await expectTaskError(run("anchor:run", { ...base(), parent: url }), /--child and --parent are the same URL/);
    });

    it("rejects bad numbers: --every, --confirmations, --poll-ms, --metrics-port, --max-ranges, --dev-account", async function () {
      await expectTaskError(run("anchor:run", { ...base(), every: "0" }), /--every must be between 1 and 65536, got 0/);
      await expectTaskError(run("anchor:run", { ...base(), every: "ten" }), /--every must be a non-negative integer, got "ten"/);
      await expectTaskError(run("anchor:run", { ...base(), every: "70000" }), /--every must be between 1 and 65536/);
      await expectTaskError(run("anchor:run", { ...base(), confirmations: "-1" }), /--confirmations must be a non-negative integer, got "-1"/);
      await expectTaskError(run("anchor:run", { ...base(), pollMs: "1" }), /--poll-ms must be between 10 and 3600000/);
      await expectTaskError(run("anchor:run", { ...base(), metricsPort: "70000" }), /--metrics-port must be between 0 and 65535/);
      await expectTaskError(run("anchor:run", { ...base(), maxRanges: "0" }), /--max-ranges must be between 1 and/);
      await expectTaskError(run("anchor:run", { ...base(), devAccount: "5000" }), /--dev-account must be between 0 and 1000/);
    });

    it("rejects a bad --log-level, a bad --registry, two keys at once and an HSM token without a key label", async function () {
      await expectTaskError(run("anchor:run", { ...base(), logLevel: "loud" }), /--log-level must be debug, info, warn or error, got "loud"/);
      await expectTaskError(run("anchor:run", { ...base(), registry: "0x1234" }), /--registry is not a valid address/);
      await expectTaskError(run("anchor:run", { ...base(), keystore: "k.json", devAccount: "1" }), /give one key: --keystore, --dev-account or --hsm-token/);
      await expectTaskError(run("anchor:run", { ...base(), hsmToken: "t", devAccount: "1" }), /give one key: --keystore, --dev-account or --hsm-token/);
      await expectTaskError(run("anchor:run", { ...base(), hsmToken: "t" }), /--hsm-token needs --hsm-key/);
    });

    it("names an unreachable child chain", async function () {
      await expectTaskError(run("anchor:run", base()), /cannot reach the child chain RPC at http:\/\/127\.0\.0\.1:\d+ .*check the URL and that the node is running/);
    });
  });

  describe("anchor:verify", function () {
    it("rejects a bad --block, --tamper, --expected-hash and URLs", async function () {
      await expectTaskError(run("anchor:verify", { ...ok(), block: "x" }), /--block must be a non-negative integer, got "x"/);
      await expectTaskError(run("anchor:verify", { ...ok(), block: "1", tamper: "gasUsed" }), /--tamper must be one of hash, stateRoot, receiptsRoot, got "gasUsed"/);
      await expectTaskError(run("anchor:verify", { ...ok(), block: "1", expectedHash: "0x12" }), /--expected-hash must be 0x \+ 64 hex digits, got "0x12"/);
      await expectTaskError(run("anchor:verify", { ...ok(), child: "nope", block: "1" }), /--child must be an http\(s\) JSON-RPC URL/);
      await expectTaskError(run("anchor:verify", { ...ok(), block: "1", registry: "0xzz" }), /--registry is not a valid address/);
      await expectTaskError(run("anchor:verify", { ...ok(), block: "1" }), /cannot reach the child chain RPC/);
    });
  });

  describe("anchor:deploy", function () {
    const base = () => ({ parent: url, startBlock: "0", passwordEnv: "KEYSTORE_PASSWORD" });
    it("rejects a bad --admin, --child-chain-id 0, --anchorer without a child, a bad anchorer list and an unreachable parent", async function () {
      await expectTaskError(run("anchor:deploy", { ...base(), admin: "me" }), /--admin is not a valid address/);
      await expectTaskError(run("anchor:deploy", { ...base(), childChainId: "0" }), /--child-chain-id must not be 0/);
      await expectTaskError(run("anchor:deploy", { ...base(), anchorer: ethers.ZeroAddress }), /--anchorer needs --child-chain-id/);
      await expectTaskError(run("anchor:deploy", { ...base(), childChainId: "5", anchorer: "0x1,0x2" }), /--anchorer\[0\] is not a valid address/);
      await expectTaskError(run("anchor:deploy", { ...base(), startBlock: "-3" }), /--start-block must be a non-negative integer/);
      await expectTaskError(run("anchor:deploy", { ...base(), parent: "x" }), /--parent must be an http\(s\) JSON-RPC URL/);
      await expectTaskError(run("anchor:deploy", base()), /cannot reach the parent chain RPC/);
    });
  });

  describe("anchor:authorize", function () {
    let registry: AnchorRegistry;
    let anchorer: string;

    before(async function () {
      const configFile = path.join(dir, "config.json");
      writeFileSync(configFile, JSON.stringify({ governance: { votingPeriod: 10, timelockDelay: 60 } }));
      await run("deploy:system", { systemConfig: configFile, reset: true, quiet: true });
      const file = manifestPath(dir, hre.network.name);
      const manifest = readManifest(file)!;
      const { anchorRegistry } = await deployAnchor(hre, {
        manifest,
        save: () => writeManifest(file, manifest),
        timelock: manifest.contracts.LuniverseTimelock!.address,
        council: manifest.contracts.EmergencyCouncil!.address,
      });
      registry = anchorRegistry;
      anchorer = (await ethers.getSigners())[17]!.address;
    });

    it("proposes registering the child and authorising the anchorer; governance executes it", async function () {
      const { result, out } = await run("anchor:authorize", { childChainId: CHILD, anchorer, remove: false, startBlock: "12", from: "1" });
      expect(out).to.match(new RegExp(`register child chain ${CHILD} for anchoring from block 12; authorise anchorer ${anchorer} of chain ${CHILD}`));
      await passWithTasks(String((result as { proposalId: bigint }).proposalId));
      expect(await registry.getChild(CHILD)).to.deep.equal([true, 12n, 12n, 0n, 1n]);
      expect(await registry.isAnchorer(CHILD, anchorer)).to.equal(true);
    });

    it("refuses a proposal that changes nothing", async function () {
      await expectTaskError(
        run("anchor:authorize", { childChainId: CHILD, anchorer, remove: false, startBlock: "0", from: "1" }),
        /is already an anchorer of chain 7001: nothing to propose/,
      );
      await expectTaskError(
        run("anchor:authorize", { childChainId: CHILD, anchorer: ethers.ZeroAddress.replace(/0$/, "1"), remove: true, startBlock: "0", from: "1" }),
        /is not an anchorer of chain 7001: nothing to propose/,
      );
      await expectTaskError(
        run("anchor:authorize", { childChainId: "7002", anchorer, remove: true, startBlock: "0", from: "1" }),
        /child chain 7002 is not registered in the AnchorRegistry: there is no anchorer to remove/,
      );
    });

    it("proposes removing an anchorer (--remove)", async function () {
      const { result, out } = await run("anchor:authorize", { childChainId: CHILD, anchorer, remove: true, startBlock: "0", from: "1" });
      expect(out).to.match(new RegExp(`remove anchorer ${anchorer} of chain ${CHILD}`));
      expect(out).not.to.match(/register child chain/);
      await passWithTasks(String((result as { proposalId: bigint }).proposalId));
      expect(await registry.isAnchorer(CHILD, anchorer)).to.equal(false);
    });

    it("rejects bad arguments and a proposer that is not a validator", async function () {
      await expectTaskError(run("anchor:authorize", { childChainId: "0", anchorer, remove: false, startBlock: "0", from: "1" }), /--child-chain-id must not be 0/);
      await expectTaskError(run("anchor:authorize", { childChainId: "x", anchorer, remove: false, startBlock: "0", from: "1" }), /--child-chain-id must be a non-negative integer/);
      await expectTaskError(run("anchor:authorize", { childChainId: CHILD, anchorer: "0x12", remove: false, startBlock: "0", from: "1" }), /--anchorer is not a valid address/);
      await expectTaskError(
        run("anchor:authorize", { childChainId: CHILD, anchorer, remove: false, startBlock: (2n ** 64n).toString(), from: "1" }),
        /--start-block must be below 2\^64/,
      );
      await expectTaskError(
        run("anchor:authorize", { childChainId: "7003", anchorer, remove: false, startBlock: "0", from: "15" }),
        /anchor:authorize reverted with GovernorInsufficientProposerVotes.*only a validator in force can propose/,
      );
    });

    it("names a manifest without an AnchorRegistry", async function () {
      const file = manifestPath(dir, hre.network.name);
      const manifest = readManifest(file)!;
      const saved = manifest.contracts.AnchorRegistry!;
      delete manifest.contracts.AnchorRegistry;
      writeManifest(file, manifest);
      try {
        await expectTaskError(
          run("anchor:authorize", { childChainId: CHILD, anchorer, remove: false, startBlock: "0", from: "1" }),
          /has no AnchorRegistry; run npx hardhat deploy:system/,
        );
      } finally {
        manifest.contracts.AnchorRegistry = saved;
        writeManifest(file, manifest);
      }
      expect((await loadDeployment(hre)).manifest.contracts.AnchorRegistry?.address).to.equal(saved.address);
    });
  });
});
