import { ethers, upgrades } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { NodeOwnerSync, ProductBridge } from "../../../typechain-types";
import { GOVERNANCE_ROLE, PARAMS, PAUSER_ROLE, deployValidatorSetFixture } from "../consensus/validatorSet.fixture";

/** NodeOwnerSync.SwapStatus */
export const SwapStatus = { None: 0n, Decided: 1n, Applied: 2n, Failed: 3n } as const;

/** Confirmations the fixture's bridge needs (4 of 6, the default bridge threshold). */
export const THRESHOLD = 4n;

/**
 * A product chain's validator set as `deploy/system.ts` configures it with `nodeOwnerSync`: the validator-set fixture
 * (genesis validators v1..v4, the node owners) switched to `minStake` 0, a ProductBridge whose six signers confirm
 * 4 of 6 (the fixture's admin governs it, so tests can rotate its signers), and a NodeOwnerSync holding
 * `GOVERNANCE_ROLE` on the validator set (the fixture's pauser may pause it).
 */
export async function deployNodeOwnerSyncFixture(ownersNonce = 0n) {
  const f = await deployValidatorSetFixture();
  await f.vs.connect(f.admin).setParams({ ...PARAMS, minStake: 0n });
  const all = await ethers.getSigners();
  const signers = all.slice(13, 19) as HardhatEthersSigner[];
  const bridge = (await upgrades.deployProxy(
    await ethers.getContractFactory("ProductBridge"),
    [f.admin.address, signers.map((s) => s.address), THRESHOLD],
    { kind: "uups" },
  )) as unknown as ProductBridge;
  const syncFactory = await ethers.getContractFactory("NodeOwnerSync");
  const sync = (await upgrades.deployProxy(syncFactory, [f.admin.address, f.vsAddress, await bridge.getAddress(), ownersNonce], {
    kind: "uups",
  })) as unknown as NodeOwnerSync;
  await f.vs.connect(f.admin).grantRole(GOVERNANCE_ROLE, await sync.getAddress());
  await sync.connect(f.admin).grantRole(PAUSER_ROLE, f.pauser.address);
  return { ...f, bridge, sync, syncFactory, signers, owners: f.genesisSigners, newcomer: all[19]! };
}

/** The fixture started after the main chain's swaps 1..5 (the genesis set reflects them). */
export async function startedAtNonceFiveFixture() {
  return deployNodeOwnerSyncFixture(5n);
}
