// Anchoring gas per anchored block: `npm run bench:anchor` (hardhat run on the in-process network).
// Prints, for ranges of 1, 10, 100 and 1000 blocks, the gas of one AnchorRegistry.anchor transaction and the gas
// per anchored block, plus the time to build the range's Merkle tree and the gas of verifyBlock (its proof depth).
import hre, { ethers, upgrades } from "hardhat";
import { machine } from "../machine";
import { blockLeaf, MerkleTree, type BlockLeafData } from "../../services/anchor/merkleTree";
import type { AnchorRegistry, ProductChainRegistry } from "../../typechain-types";

const CHILD = 5_001n;
const SIZES = [1n, 10n, 100n, 1000n];

function fakeBlocks(start: bigint, count: bigint): BlockLeafData[] {
  const out: BlockLeafData[] = [];
  for (let n = start; n < start + count; n++) {
    out.push({ number: n, hash: ethers.id(`h${n}`), stateRoot: ethers.id(`s${n}`), receiptsRoot: ethers.id(`r${n}`) });
  }
  return out;
}

async function main(): Promise<void> {
  const [admin] = await ethers.getSigners();
  const registry = (await upgrades.deployProxy(await ethers.getContractFactory("AnchorRegistry"), [admin!.address], {
    kind: "uups",
  })) as unknown as AnchorRegistry;
  await (await registry.registerChild(CHILD, 0)).wait();
  await (await registry.setAnchorer(CHILD, admin!.address, true)).wait();

  // the very first range of a child also turns the ranges array's length slot from zero to non-zero: shown apart
  const firstTree = MerkleTree.fromBlocks(fakeBlocks(0n, 1n));
  const first = await (await registry.anchor(CHILD, 0, 0, firstTree.root)).wait();

  let start = 1n;
  const rows: Record<string, string | number>[] = [];
  for (const size of SIZES) {
    const blocks = fakeBlocks(start, size);
    const t0 = performance.now();
    const tree = MerkleTree.fromBlocks(blocks);
    const treeMs = performance.now() - t0;
    const receipt = await (await registry.anchor(CHILD, start, start + size - 1n, tree.root)).wait();
    const last = blocks[blocks.length - 1]!;
    const proof = tree.proof(blockLeaf(last));
    const verifyGas = await registry.verifyBlock.estimateGas(CHILD, last.number, last.hash, last.stateRoot, last.receiptsRoot, proof);
    rows.push({
      "blocks per range": Number(size),
      "anchor gas": Number(receipt!.gasUsed),
      "gas per anchored block": Number(receipt!.gasUsed / size),
      "tree build (ms)": Number(treeMs.toFixed(1)),
      "proof depth": proof.length,
      "verifyBlock gas (eth_estimateGas)": Number(verifyGas),
    });
    start += size;
  }

  // the same 1-block range with the main chain's product-chain status check on (a registry set, the child Active)
  const chains = (await upgrades.deployProxy(await ethers.getContractFactory("ProductChainRegistry"), [admin!.address], {
    kind: "uups",
  })) as unknown as ProductChainRegistry;
  await (await chains.grantRole(await chains.CP_ROLE(), admin!.address)).wait();
  const owners = (await ethers.getSigners()).slice(1, 5).map((s) => s.address) as [string, string, string, string];
  await (await chains.registerChain(CHILD, "bench chain", admin!.address, owners, 0)).wait();
  await (await registry.setChainRegistry(await chains.getAddress())).wait();
  const checkedTree = MerkleTree.fromBlocks(fakeBlocks(start, 1n));
  const checked = await (await registry.anchor(CHILD, start, start, checkedTree.root)).wait();
  console.log(`AnchorRegistry.anchor gas per anchored block — network ${hre.network.name}, solc 0.8.28, optimizer 200 runs`);
  console.log(`machine: ${machine()}`);
  console.log(`first range of a child (ranges length slot zero → non-zero): ${first!.gasUsed} gas`);
  console.table(rows);
  console.log(`with the product-chain status check (ProductChainRegistry set, child Active), 1 block: ${checked!.gasUsed} gas`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
