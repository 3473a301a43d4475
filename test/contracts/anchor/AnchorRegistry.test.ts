import { expect } from "chai";
import hre, { ethers, upgrades } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deployAnchor } from "../../../deploy/anchor";
import { ConfigError } from "../../../deploy/config";
import { blockLeaf, hashPair, MerkleTree, processProof, type BlockLeafData } from "../../../services/anchor/merkleTree";
import { deploySystemFixture, impersonate, passProposal, type SystemFixture } from "../../fixtures/system";
import type { AnchorRegistry } from "../../../typechain-types";

const CHILD = 5_001n;
const OTHER_CHILD = 5_002n;
const START = 100n;

interface AnchorFixture extends SystemFixture {
  registry: AnchorRegistry;
  /** The registry connected to the timelock (governance), impersonated. */
  gov: AnchorRegistry;
  anchorer: HardhatEthersSigner;
  outsider: HardhatEthersSigner;
}

/** Deterministic fake child block `n` (hash, state root and receipts root derived from n and a salt). */
function fakeBlock(n: bigint, salt = "child"): BlockLeafData {
  return {
    number: n,
    hash: ethers.id(`${salt}:hash:${n}`),
    stateRoot: ethers.id(`${salt}:state:${n}`),
    receiptsRoot: ethers.id(`${salt}:receipts:${n}`),
  };
}

function fakeBlocks(start: bigint, end: bigint, salt?: string): BlockLeafData[] {
  const out: BlockLeafData[] = [];
  for (let n = start; n <= end; n++) out.push(fakeBlock(n, salt));
  return out;
}

/** The system, the anchor registry (deploy/anchor.ts) with child CHILD registered from START and one anchorer. */
async function anchorFixture(): Promise<AnchorFixture> {
  const f = await deploySystemFixture();
  const { anchorRegistry } = await deployAnchor(hre, {
    manifest: f.manifest,
    save: () => undefined,
    deployer: f.deployer,
    timelock: await f.timelock.getAddress(),
    council: await f.council.getAddress(),
  });
  const anchorer = f.outsiders[0]!;
  const outsider = f.outsiders[1]!;
  const gov = anchorRegistry.connect(await impersonate(await f.timelock.getAddress()));
  await (await gov.registerChild(CHILD, START)).wait();
  await (await gov.setAnchorer(CHILD, anchorer.address, true)).wait();
  return { ...f, registry: anchorRegistry, gov, anchorer, outsider };
}

/** Anchors `blocks` (one range) as the fixture's anchorer; returns the tree. */
async function anchorRange(f: AnchorFixture, blocks: BlockLeafData[], chainId = CHILD): Promise<MerkleTree> {
  const tree = MerkleTree.fromBlocks(blocks);
  await (await f.registry.connect(f.anchorer).anchor(chainId, blocks[0]!.number, blocks[blocks.length - 1]!.number, tree.root)).wait();
  return tree;
}

async function verify(f: AnchorFixture, b: BlockLeafData, proof: string[], chainId = CHILD): Promise<boolean> {
  return f.registry.verifyBlock(chainId, b.number, b.hash, b.stateRoot, b.receiptsRoot, proof);
}

describe("AnchorRegistry", function () {
  describe("deployment and roles", function () {
    it("belongs to governance after deployAnchor: timelock governs, council pauses, deployer holds nothing", async function () {
      const f = await loadFixture(anchorFixture);
      const timelock = await f.timelock.getAddress();
      expect(await f.registry.hasRole(await f.registry.GOVERNANCE_ROLE(), timelock)).to.equal(true);
      expect(await f.registry.hasRole(await f.registry.DEFAULT_ADMIN_ROLE(), timelock)).to.equal(true);
      expect(await f.registry.hasRole(await f.registry.PAUSER_ROLE(), await f.council.getAddress())).to.equal(true);
      expect(await f.registry.hasRole(await f.registry.GOVERNANCE_ROLE(), f.deployer.address)).to.equal(false);
      expect(await f.registry.hasRole(await f.registry.DEFAULT_ADMIN_ROLE(), f.deployer.address)).to.equal(false);
      expect(f.manifest.contracts.AnchorRegistry?.address).to.equal(await f.registry.getAddress());
    });

    it("cannot be initialised twice, nor its implementation at all", async function () {
      const f = await loadFixture(anchorFixture);
      await expect(f.registry.initialize(f.deployer.address)).to.be.revertedWithCustomError(f.registry, "InvalidInitialization");
      const impl = await ethers.getContractAt("AnchorRegistry", await upgrades.erc1967.getImplementationAddress(await f.registry.getAddress()));
      await expect(impl.initialize(f.deployer.address)).to.be.revertedWithCustomError(impl, "InvalidInitialization");
    });

    it("rejects a zero admin (SystemContractZeroAddress)", async function () {
      const factory = await ethers.getContractFactory("AnchorRegistry");
      await expect(upgrades.deployProxy(factory, [ethers.ZeroAddress], { kind: "uups" }))
        .to.be.revertedWithCustomError(factory, "SystemContractZeroAddress")
        .withArgs("admin");
    });

    it("has an upgrade-safe storage layout and upgrades only by governance", async function () {
      const f = await loadFixture(anchorFixture);
      const factory = await ethers.getContractFactory("AnchorRegistry");
      await upgrades.validateImplementation(factory, { kind: "uups" });
      await upgrades.validateUpgrade(await f.registry.getAddress(), factory, { kind: "uups" });
      const next = await (await factory.deploy()).getAddress();
      await expect(f.registry.connect(f.outsider).upgradeToAndCall(next, "0x"))
        .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
        .withArgs(f.outsider.address, await f.registry.GOVERNANCE_ROLE());
      await expect(f.gov.upgradeToAndCall(next, "0x")).to.emit(f.registry, "Upgraded").withArgs(next);
      expect(await f.registry.nextStart(CHILD)).to.equal(START); // state kept
    });

    it("deployAnchor is idempotent and registers configured children and the chain registry while the deployer governs", async function () {
      const f = await loadFixture(deploySystemFixture);
      // a manifest without AnchorRegistry, so a new one is deployed even when deploySystem already includes it
      const { AnchorRegistry: _existing, ...others } = f.manifest.contracts;
      const ctx = {
        manifest: { ...f.manifest, contracts: others },
        save: () => undefined,
        deployer: f.deployer,
        timelock: await f.timelock.getAddress(),
        council: await f.council.getAddress(),
        children: [{ chainId: CHILD, startBlock: 7n, anchorers: [f.outsiders[0]!.address] }],
        chainRegistry: await f.chainRegistry.getAddress(),
      };
      const first = await deployAnchor(hre, ctx);
      const again = await deployAnchor(hre, ctx);
      expect(await again.anchorRegistry.getAddress()).to.equal(await first.anchorRegistry.getAddress());
      expect(await first.anchorRegistry.getChild(CHILD)).to.deep.equal([true, 7n, 7n, 0n, 1n]);
      expect(await first.anchorRegistry.isAnchorer(CHILD, f.outsiders[0]!.address)).to.equal(true);
      expect(await first.anchorRegistry.chainRegistry()).to.equal(await f.chainRegistry.getAddress());
      // governance holds it now: a new child is governance's to add
      let thrown: unknown;
      try {
        await deployAnchor(hre, { ...ctx, children: [{ chainId: OTHER_CHILD }] });
      } catch (e) {
        thrown = e;
      }
      expect(thrown).to.be.instanceOf(ConfigError);
      expect((thrown as Error).message).to.match(/belongs to governance: propose child 5002 .*anchor:authorize/);
      // and so is another product-chain registry
      const elsewhere = f.outsiders[9]!.address;
      thrown = undefined;
      try {
        await deployAnchor(hre, { ...ctx, chainRegistry: elsewhere });
      } catch (e) {
        thrown = e;
      }
      expect(thrown).to.be.instanceOf(ConfigError);
      expect((thrown as Error).message).to.contain(`AnchorRegistry belongs to governance: propose its product-chain registry with npx hardhat gov:propose --network hardhat --action call --target AnchorRegistry --signature "setChainRegistry(address)" --args '["${elsewhere}"]'`);
    });

    it("deployAnchor rejects a timelock or council that is not an address", async function () {
      const f = await loadFixture(deploySystemFixture);
      for (const [timelock, council, what] of [
        ["0x1234", await f.council.getAddress(), "timelock"],
        [await f.timelock.getAddress(), ethers.ZeroAddress, "council"],
      ]) {
        let thrown: unknown;
        try {
          await deployAnchor(hre, { manifest: f.manifest, save: () => undefined, timelock: timelock!, council: council! });
        } catch (e) {
          thrown = e;
        }
        expect((thrown as Error).message).to.match(new RegExp(`deployAnchor: ${what} must be an address`));
      }
    });
  });

  describe("registerChild", function () {
    it("registers a child with its start block (ChildRegistered)", async function () {
      const f = await loadFixture(anchorFixture);
      await expect(f.gov.registerChild(OTHER_CHILD, 0)).to.emit(f.registry, "ChildRegistered").withArgs(OTHER_CHILD, 0);
      expect(await f.registry.getChild(OTHER_CHILD)).to.deep.equal([true, 0n, 0n, 0n, 0n]);
      expect(await f.registry.childIds()).to.deep.equal([CHILD, OTHER_CHILD]);
      expect(await f.registry.nextStart(OTHER_CHILD)).to.equal(0n);
    });

    it("rejects chain id 0 (AnchorRegistryInvalidChainId)", async function () {
      const f = await loadFixture(anchorFixture);
      await expect(f.gov.registerChild(0, 0)).to.be.revertedWithCustomError(f.registry, "AnchorRegistryInvalidChainId").withArgs(0);
    });

    it("rejects a registered child (AnchorRegistryChildExists)", async function () {
      const f = await loadFixture(anchorFixture);
      await expect(f.gov.registerChild(CHILD, 0)).to.be.revertedWithCustomError(f.registry, "AnchorRegistryChildExists").withArgs(CHILD);
    });

    it("is governance's only (AccessControlUnauthorizedAccount)", async function () {
      const f = await loadFixture(anchorFixture);
      await expect(f.registry.connect(f.outsider).registerChild(OTHER_CHILD, 0))
        .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
        .withArgs(f.outsider.address, await f.registry.GOVERNANCE_ROLE());
    });
  });

  describe("setAnchorer", function () {
    it("adds and removes anchorers (AnchorerSet) and counts them", async function () {
      const f = await loadFixture(anchorFixture);
      await expect(f.gov.setAnchorer(CHILD, f.outsider.address, true)).to.emit(f.registry, "AnchorerSet").withArgs(CHILD, f.outsider.address, true);
      expect(await f.registry.isAnchorer(CHILD, f.outsider.address)).to.equal(true);
      expect((await f.registry.getChild(CHILD))[4]).to.equal(2n);
      await expect(f.gov.setAnchorer(CHILD, f.outsider.address, false)).to.emit(f.registry, "AnchorerSet").withArgs(CHILD, f.outsider.address, false);
      expect(await f.registry.isAnchorer(CHILD, f.outsider.address)).to.equal(false);
      expect((await f.registry.getChild(CHILD))[4]).to.equal(1n);
    });

    it("setting the current value again changes nothing and emits nothing", async function () {
      const f = await loadFixture(anchorFixture);
      await expect(f.gov.setAnchorer(CHILD, f.anchorer.address, true)).not.to.emit(f.registry, "AnchorerSet");
      await expect(f.gov.setAnchorer(CHILD, f.outsider.address, false)).not.to.emit(f.registry, "AnchorerSet");
      expect((await f.registry.getChild(CHILD))[4]).to.equal(1n);
    });

    it("rejects the zero address (SystemContractZeroAddress)", async function () {
      const f = await loadFixture(anchorFixture);
      await expect(f.gov.setAnchorer(CHILD, ethers.ZeroAddress, true)).to.be.revertedWithCustomError(f.registry, "SystemContractZeroAddress").withArgs("anchorer");
    });

    it("rejects an unregistered child (AnchorRegistryUnknownChild)", async function () {
      const f = await loadFixture(anchorFixture);
      await expect(f.gov.setAnchorer(OTHER_CHILD, f.outsider.address, true))
        .to.be.revertedWithCustomError(f.registry, "AnchorRegistryUnknownChild")
        .withArgs(OTHER_CHILD);
    });

    it("is governance's only (AccessControlUnauthorizedAccount)", async function () {
      const f = await loadFixture(anchorFixture);
      await expect(f.registry.connect(f.anchorer).setAnchorer(CHILD, f.outsider.address, true))
        .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
        .withArgs(f.anchorer.address, await f.registry.GOVERNANCE_ROLE());
    });

    it("passes through a governance proposal (propose, vote, queue, execute)", async function () {
      const f = await loadFixture(anchorFixture);
      const target = await f.registry.getAddress();
      await passProposal(
        f,
        [target, target],
        [0, 0],
        [
          f.registry.interface.encodeFunctionData("registerChild", [OTHER_CHILD, 3]),
          f.registry.interface.encodeFunctionData("setAnchorer", [OTHER_CHILD, f.outsider.address, true]),
        ],
        "anchor: register 5002 and authorise an anchorer",
      );
      expect(await f.registry.getChild(OTHER_CHILD)).to.deep.equal([true, 3n, 3n, 0n, 1n]);
      expect(await f.registry.isAnchorer(OTHER_CHILD, f.outsider.address)).to.equal(true);
    });
  });

  describe("anchor", function () {
    it("anchors the first range at the start block (RangeAnchored) and moves nextStart", async function () {
      const f = await loadFixture(anchorFixture);
      const tree = MerkleTree.fromBlocks(fakeBlocks(START, START + 9n));
      await expect(f.registry.connect(f.anchorer).anchor(CHILD, START, START + 9n, tree.root))
        .to.emit(f.registry, "RangeAnchored")
        .withArgs(CHILD, 0, START, START + 9n, tree.root, f.anchorer.address);
      expect(await f.registry.nextStart(CHILD)).to.equal(START + 10n);
      expect(await f.registry.rangeCount(CHILD)).to.equal(1n);
      expect(await f.registry.getRange(CHILD, 0)).to.deep.equal([START, START + 9n, tree.root, f.anchorer.address]);
    });

    it("anchors contiguous ranges with increasing indexes", async function () {
      const f = await loadFixture(anchorFixture);
      await anchorRange(f, fakeBlocks(START, START + 4n));
      const tree = MerkleTree.fromBlocks(fakeBlocks(START + 5n, START + 5n));
      await expect(f.registry.connect(f.anchorer).anchor(CHILD, START + 5n, START + 5n, tree.root))
        .to.emit(f.registry, "RangeAnchored")
        .withArgs(CHILD, 1, START + 5n, START + 5n, tree.root, f.anchorer.address);
      expect(await f.registry.getChild(CHILD)).to.deep.equal([true, START, START + 6n, 2n, 1n]);
    });

    it("rejects a first range that does not start at the start block (AnchorRegistryNonContiguous)", async function () {
      const f = await loadFixture(anchorFixture);
      const root = ethers.id("root");
      await expect(f.registry.connect(f.anchorer).anchor(CHILD, START + 1n, START + 5n, root))
        .to.be.revertedWithCustomError(f.registry, "AnchorRegistryNonContiguous")
        .withArgs(CHILD, START, START + 1n);
      await expect(f.registry.connect(f.anchorer).anchor(CHILD, START - 1n, START + 5n, root))
        .to.be.revertedWithCustomError(f.registry, "AnchorRegistryNonContiguous")
        .withArgs(CHILD, START, START - 1n);
    });

    it("rejects a gap after the last range (AnchorRegistryNonContiguous)", async function () {
      const f = await loadFixture(anchorFixture);
      await anchorRange(f, fakeBlocks(START, START + 9n));
      await expect(f.registry.connect(f.anchorer).anchor(CHILD, START + 11n, START + 20n, ethers.id("r")))
        .to.be.revertedWithCustomError(f.registry, "AnchorRegistryNonContiguous")
        .withArgs(CHILD, START + 10n, START + 11n);
    });

    it("rejects overlapping ranges and a resubmission of the same range (AnchorRegistryNonContiguous)", async function () {
      const f = await loadFixture(anchorFixture);
      const tree = await anchorRange(f, fakeBlocks(START, START + 9n));
      await expect(f.registry.connect(f.anchorer).anchor(CHILD, START + 9n, START + 20n, ethers.id("r")))
        .to.be.revertedWithCustomError(f.registry, "AnchorRegistryNonContiguous")
        .withArgs(CHILD, START + 10n, START + 9n);
      await expect(f.registry.connect(f.anchorer).anchor(CHILD, START, START + 9n, tree.root))
        .to.be.revertedWithCustomError(f.registry, "AnchorRegistryNonContiguous")
        .withArgs(CHILD, START + 10n, START);
    });

    it("rejects end before start and ranges longer than MAX_RANGE_LENGTH (AnchorRegistryInvalidRange)", async function () {
      const f = await loadFixture(anchorFixture);
      const max = await f.registry.MAX_RANGE_LENGTH();
      await expect(f.registry.connect(f.anchorer).anchor(CHILD, START, START - 1n, ethers.id("r")))
        .to.be.revertedWithCustomError(f.registry, "AnchorRegistryInvalidRange")
        .withArgs(START, START - 1n);
      await expect(f.registry.connect(f.anchorer).anchor(CHILD, START, START + max, ethers.id("r")))
        .to.be.revertedWithCustomError(f.registry, "AnchorRegistryInvalidRange")
        .withArgs(START, START + max);
      // exactly MAX_RANGE_LENGTH blocks is fine
      await expect(f.registry.connect(f.anchorer).anchor(CHILD, START, START + max - 1n, ethers.id("r"))).to.emit(f.registry, "RangeAnchored");
    });

    it("rejects a zero root (AnchorRegistryZeroRoot)", async function () {
      const f = await loadFixture(anchorFixture);
      await expect(f.registry.connect(f.anchorer).anchor(CHILD, START, START, ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.registry,
        "AnchorRegistryZeroRoot",
      );
    });

    it("rejects an unauthorised or removed anchorer (AnchorRegistryNotAnchorer)", async function () {
      const f = await loadFixture(anchorFixture);
      await expect(f.registry.connect(f.outsider).anchor(CHILD, START, START, ethers.id("r")))
        .to.be.revertedWithCustomError(f.registry, "AnchorRegistryNotAnchorer")
        .withArgs(CHILD, f.outsider.address);
      // an anchorer of another child is not an anchorer of this one
      await (await f.gov.registerChild(OTHER_CHILD, 0)).wait();
      await (await f.gov.setAnchorer(OTHER_CHILD, f.outsider.address, true)).wait();
      await expect(f.registry.connect(f.outsider).anchor(CHILD, START, START, ethers.id("r")))
        .to.be.revertedWithCustomError(f.registry, "AnchorRegistryNotAnchorer")
        .withArgs(CHILD, f.outsider.address);
      await (await f.gov.setAnchorer(CHILD, f.anchorer.address, false)).wait();
      await expect(f.registry.connect(f.anchorer).anchor(CHILD, START, START, ethers.id("r")))
        .to.be.revertedWithCustomError(f.registry, "AnchorRegistryNotAnchorer")
        .withArgs(CHILD, f.anchorer.address);
    });

    it("rejects an unregistered child (AnchorRegistryUnknownChild)", async function () {
      const f = await loadFixture(anchorFixture);
      await expect(f.registry.connect(f.anchorer).anchor(OTHER_CHILD, 0, 0, ethers.id("r")))
        .to.be.revertedWithCustomError(f.registry, "AnchorRegistryUnknownChild")
        .withArgs(OTHER_CHILD);
      await expect(f.registry.nextStart(OTHER_CHILD)).to.be.revertedWithCustomError(f.registry, "AnchorRegistryUnknownChild").withArgs(OTHER_CHILD);
    });

    it("stops while paused by the council (EnforcedPause) and resumes when governance unpauses", async function () {
      const f = await loadFixture(anchorFixture);
      const council = await impersonate(await f.council.getAddress());
      await expect(f.registry.connect(council).pause()).to.emit(f.registry, "Paused");
      await expect(f.registry.connect(f.anchorer).anchor(CHILD, START, START, ethers.id("r"))).to.be.revertedWithCustomError(f.registry, "EnforcedPause");
      await expect(f.registry.connect(council).unpause())
        .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
        .withArgs(await council.getAddress(), await f.registry.GOVERNANCE_ROLE());
      await expect(f.registry.connect(f.outsider).pause())
        .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
        .withArgs(f.outsider.address, await f.registry.PAUSER_ROLE());
      await expect(f.gov.unpause()).to.emit(f.registry, "Unpaused");
      await expect(f.registry.connect(f.anchorer).anchor(CHILD, START, START, ethers.id("r"))).to.emit(f.registry, "RangeAnchored");
    });
  });

  describe("product-chain status (ProductChainRegistry)", function () {
    /** ProductChainRegistry.Status */
    const Status = { None: 0, Active: 1, Suspended: 2, Retired: 3 };

    /** The anchor fixture with CHILD also registered as a product chain in the ProductChainRegistry. */
    async function productChildFixture(): Promise<AnchorFixture> {
      const f = await anchorFixture();
      const owners = f.outsiders.slice(2, 6).map((s) => s.address) as [string, string, string, string];
      await (await f.chainRegistry.connect(f.deployer).registerChain(CHILD, "Game Chain", f.outsiders[6]!.address, owners, 0)).wait();
      return f;
    }

    async function setStatus(f: AnchorFixture, status: number): Promise<void> {
      const timelock = await impersonate(await f.timelock.getAddress());
      await (await f.chainRegistry.connect(timelock).setChainStatus(CHILD, status)).wait();
    }

    it("deploySystem points the registry at the ProductChainRegistry", async function () {
      const f = await loadFixture(anchorFixture);
      expect(await f.registry.chainRegistry()).to.equal(await f.chainRegistry.getAddress());
    });

    it("setChainRegistry is governance's only (AccessControlUnauthorizedAccount) and emits ChainRegistryChanged", async function () {
      const f = await loadFixture(anchorFixture);
      const registry = await f.chainRegistry.getAddress();
      await expect(f.registry.connect(f.outsider).setChainRegistry(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
        .withArgs(f.outsider.address, await f.registry.GOVERNANCE_ROLE());
      await expect(f.gov.setChainRegistry(ethers.ZeroAddress)).to.emit(f.registry, "ChainRegistryChanged").withArgs(registry, ethers.ZeroAddress);
      expect(await f.registry.chainRegistry()).to.equal(ethers.ZeroAddress);
      await expect(f.gov.setChainRegistry(registry)).to.emit(f.registry, "ChainRegistryChanged").withArgs(ethers.ZeroAddress, registry);
    });

    it("a suspended product chain anchors no more (AnchorRegistryChainNotActive); reactivated, it anchors again", async function () {
      const f = await loadFixture(productChildFixture);
      await anchorRange(f, fakeBlocks(START, START + 1n));
      await setStatus(f, Status.Suspended);
      const blocks = fakeBlocks(START + 2n, START + 3n);
      const root = MerkleTree.fromBlocks(blocks).root;
      await expect(f.registry.connect(f.anchorer).anchor(CHILD, START + 2n, START + 3n, root))
        .to.be.revertedWithCustomError(f.registry, "AnchorRegistryChainNotActive")
        .withArgs(CHILD, Status.Suspended);
      await setStatus(f, Status.Active);
      await expect(f.registry.connect(f.anchorer).anchor(CHILD, START + 2n, START + 3n, root)).to.emit(f.registry, "RangeAnchored").withArgs(CHILD, 1n, START + 2n, START + 3n, root, f.anchorer.address);
    });

    it("a retired product chain anchors no more (AnchorRegistryChainNotActive); what it anchored still verifies", async function () {
      const f = await loadFixture(productChildFixture);
      const blocks = fakeBlocks(START, START + 3n);
      const tree = await anchorRange(f, blocks);
      await setStatus(f, Status.Retired);
      await expect(f.registry.connect(f.anchorer).anchor(CHILD, START + 4n, START + 4n, ethers.id("r")))
        .to.be.revertedWithCustomError(f.registry, "AnchorRegistryChainNotActive")
        .withArgs(CHILD, Status.Retired);
      expect(await verify(f, blocks[2]!, tree.proof(blockLeaf(blocks[2]!)))).to.equal(true);
    });

    it("a child the ProductChainRegistry does not know (status None, e.g. an audit log) anchors as before", async function () {
      const f = await loadFixture(productChildFixture);
      await setStatus(f, Status.Suspended);
      await (await f.gov.registerChild(OTHER_CHILD, 0)).wait();
      await (await f.gov.setAnchorer(OTHER_CHILD, f.anchorer.address, true)).wait();
      expect(await f.chainRegistry.chainStatus(OTHER_CHILD)).to.equal(Status.None);
      await expect(f.registry.connect(f.anchorer).anchor(OTHER_CHILD, 0, 3, ethers.id("r"))).to.emit(f.registry, "RangeAnchored");
    });

    it("checks nothing without a product-chain registry (zero)", async function () {
      const f = await loadFixture(productChildFixture);
      await setStatus(f, Status.Suspended);
      await (await f.gov.setChainRegistry(ethers.ZeroAddress)).wait();
      await expect(f.registry.connect(f.anchorer).anchor(CHILD, START, START, ethers.id("r"))).to.emit(f.registry, "RangeAnchored");
    });
  });

  describe("verifyBlock", function () {
    it("proves the first, a middle and the last block of a range", async function () {
      const f = await loadFixture(anchorFixture);
      const blocks = fakeBlocks(START, START + 6n); // 7 leaves: an unbalanced tree
      const tree = await anchorRange(f, blocks);
      for (const b of [blocks[0]!, blocks[3]!, blocks[6]!]) {
        expect(await verify(f, b, tree.proof(blockLeaf(b))), `block ${b.number}`).to.equal(true);
      }
    });

    it("proves every block of ranges of 1 to 9 blocks", async function () {
      const f = await loadFixture(anchorFixture);
      let start = START;
      for (let size = 1n; size <= 9n; size++) {
        const blocks = fakeBlocks(start, start + size - 1n);
        const tree = await anchorRange(f, blocks);
        for (const b of blocks) expect(await verify(f, b, tree.proof(blockLeaf(b))), `size ${size} block ${b.number}`).to.equal(true);
        start += size;
      }
    });

    it("proves a single-block range with an empty proof (the root is the leaf)", async function () {
      const f = await loadFixture(anchorFixture);
      const [b] = fakeBlocks(START, START);
      const tree = await anchorRange(f, [b!]);
      expect(tree.root).to.equal(blockLeaf(b!));
      expect(tree.proof(blockLeaf(b!))).to.deep.equal([]);
      expect(await verify(f, b!, [])).to.equal(true);
    });

    it("rejects a block whose hash, state root, receipts root or number was altered", async function () {
      const f = await loadFixture(anchorFixture);
      const blocks = fakeBlocks(START, START + 3n);
      const tree = await anchorRange(f, blocks);
      const b = blocks[1]!;
      const proof = tree.proof(blockLeaf(b));
      expect(await verify(f, { ...b, hash: ethers.id("other") }, proof)).to.equal(false);
      expect(await verify(f, { ...b, stateRoot: ethers.id("other") }, proof)).to.equal(false);
      expect(await verify(f, { ...b, receiptsRoot: ethers.id("other") }, proof)).to.equal(false);
      expect(await verify(f, { ...b, number: b.number + 1n }, proof)).to.equal(false);
      expect(await verify(f, b, proof.slice(1))).to.equal(false);
    });

    it("rejects a block of another chain's data or a proof from another range", async function () {
      const f = await loadFixture(anchorFixture);
      const first = fakeBlocks(START, START + 3n);
      const t1 = await anchorRange(f, first);
      const second = fakeBlocks(START + 4n, START + 7n);
      await anchorRange(f, second);
      // block of range 0 with range 0's proof but claimed under the other chain
      expect(await verify(f, first[0]!, t1.proof(blockLeaf(first[0]!)), OTHER_CHILD)).to.equal(false);
      // a forked block START+5 with a tree built from forked data does not match range 1's root
      const forked = fakeBlocks(START + 4n, START + 7n, "fork");
      const forkTree = MerkleTree.fromBlocks(forked);
      expect(await verify(f, forked[1]!, forkTree.proof(blockLeaf(forked[1]!)))).to.equal(false);
    });

    it("returns false for blocks not anchored: before the start block, at nextStart and beyond, unknown chain", async function () {
      const f = await loadFixture(anchorFixture);
      expect(await verify(f, fakeBlock(START), [])).to.equal(false); // nothing anchored yet
      const blocks = fakeBlocks(START, START + 1n);
      await anchorRange(f, blocks);
      const early = fakeBlock(START - 1n);
      expect(await verify(f, early, [])).to.equal(false);
      expect(await verify(f, fakeBlock(START + 2n), [])).to.equal(false);
      expect(await verify(f, fakeBlock(START + 1000n), [])).to.equal(false);
      expect(await f.registry.rangeOf(CHILD, START + 2n)).to.deep.equal([false, 0n, 0n, 0n, ethers.ZeroHash]);
      expect(await f.registry.rangeOf(CHILD, START - 1n)).to.deep.equal([false, 0n, 0n, 0n, ethers.ZeroHash]);
      expect(await f.registry.rangeOf(OTHER_CHILD, 5)).to.deep.equal([false, 0n, 0n, 0n, ethers.ZeroHash]);
    });

    it("cannot be fooled by an inner node passed as a leaf (64-byte second preimage)", async function () {
      const f = await loadFixture(anchorFixture);
      const blocks = fakeBlocks(START, START + 3n); // 4 leaves: root = H(H(a,b), H(c,d))
      const tree = await anchorRange(f, blocks);
      const [, left, right, l3, l4, l5, l6] = tree.nodes as string[];
      // The attacker's statement: node `left` (an inner node) with proof [right] reaches the root.
      expect(processProof(left!, [right!])).to.equal(tree.root);
      expect(hashPair(l3!, l4!)).to.equal(left);
      expect(hashPair(l5!, l6!)).to.equal(right);
      // Encoding the inner node's two children (64 bytes) as "block fields" in every arrangement fails:
      // the registry's leaf hashes the fields twice, so its preimage is 32 bytes and never an inner node's 64.
      const [lo, hi] = BigInt(l3!) < BigInt(l4!) ? [l3!, l4!] : [l4!, l3!];
      for (const [hash, stateRoot, receiptsRoot] of [
        [lo, hi, ethers.ZeroHash],
        [hi, lo, ethers.ZeroHash],
        [ethers.ZeroHash, lo, hi],
      ]) {
        for (const number of [0n, START, START + 1n]) {
          expect(await f.registry.verifyBlock(CHILD, number, hash!, stateRoot!, receiptsRoot!, [right!])).to.equal(false);
        }
      }
      // and no leaf of the registry equals an inner node
      const inner = tree.nodes.slice(0, 3);
      for (const b of blocks) expect(inner).not.to.include(await f.registry.leafHash(b.number, b.hash, b.stateRoot, b.receiptsRoot));
      // with a single hash (what OZ warns against) the leaf preimage would be the 128-byte encoding; the
      // double hash makes the leaf keccak256 of 32 bytes:
      const single = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint64", "bytes32", "bytes32", "bytes32"], [blocks[0]!.number, blocks[0]!.hash, blocks[0]!.stateRoot, blocks[0]!.receiptsRoot]));
      expect(blockLeaf(blocks[0]!)).to.equal(ethers.keccak256(single));
    });
  });

  describe("views", function () {
    it("leafHash equals the TypeScript leaf (double keccak of abi.encode)", async function () {
      const f = await loadFixture(anchorFixture);
      const b = fakeBlock(42n);
      expect(await f.registry.leafHash(b.number, b.hash, b.stateRoot, b.receiptsRoot)).to.equal(blockLeaf(b));
    });

    it("rangeOf finds the range of every block across many ranges of different lengths (binary search)", async function () {
      const f = await loadFixture(anchorFixture);
      const sizes = [1n, 3n, 2n, 8n, 1n, 1n, 5n, 13n, 2n, 4n, 1n, 7n];
      const ranges: { start: bigint; end: bigint; root: string }[] = [];
      let start = START;
      for (const size of sizes) {
        const tree = await anchorRange(f, fakeBlocks(start, start + size - 1n));
        ranges.push({ start, end: start + size - 1n, root: tree.root });
        start += size;
      }
      for (let i = 0; i < ranges.length; i++) {
        const r = ranges[i]!;
        for (let n = r.start; n <= r.end; n++) {
          expect(await f.registry.rangeOf(CHILD, n), `block ${n}`).to.deep.equal([true, BigInt(i), r.start, r.end, r.root]);
        }
        expect(await f.registry.getRange(CHILD, i)).to.deep.equal([r.start, r.end, r.root, f.anchorer.address]);
      }
      expect(await f.registry.rangeCount(CHILD)).to.equal(BigInt(sizes.length));
    });

    it("getRange rejects an index past the last range (AnchorRegistryUnknownRange)", async function () {
      const f = await loadFixture(anchorFixture);
      await expect(f.registry.getRange(CHILD, 0)).to.be.revertedWithCustomError(f.registry, "AnchorRegistryUnknownRange").withArgs(CHILD, 0);
      await anchorRange(f, fakeBlocks(START, START));
      await expect(f.registry.getRange(CHILD, 1)).to.be.revertedWithCustomError(f.registry, "AnchorRegistryUnknownRange").withArgs(CHILD, 1);
    });

    it("getChild of an unknown chain is all zero", async function () {
      const f = await loadFixture(anchorFixture);
      expect(await f.registry.getChild(OTHER_CHILD)).to.deep.equal([false, 0n, 0n, 0n, 0n]);
      expect(await f.registry.isAnchorer(OTHER_CHILD, f.anchorer.address)).to.equal(false);
    });
  });

  describe("gas", function () {
    it("costs the same per anchor whatever the range length, so gas per block falls with the range", async function () {
      const f = await loadFixture(anchorFixture);
      const rows: { blocks: number; gasUsed: number; gasPerBlock: number }[] = [];
      let start = START;
      for (const size of [1n, 10n, 100n, 1000n]) {
        const root = ethers.id(`root ${size}`);
        const receipt = await (await f.registry.connect(f.anchorer).anchor(CHILD, start, start + size - 1n, root)).wait();
        rows.push({ blocks: Number(size), gasUsed: Number(receipt!.gasUsed), gasPerBlock: Number(receipt!.gasUsed / size) });
        start += size;
      }
      console.log("\n    AnchorRegistry.anchor gas per anchored block (in-process Hardhat network):");
      console.table(rows);
      const gas = rows.map((r) => r.gasUsed);
      // one range = two new slots + nextStart + event: same order of magnitude for 1 or 1000 blocks
      expect(Math.max(...gas.slice(1)) - Math.min(...gas.slice(1))).to.be.below(1_000);
      expect(rows[3]!.gasPerBlock).to.be.below(200);
    });
  });
});
