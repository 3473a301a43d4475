/**
 * The deployment context of Hardhat's runtime (tasks, test fixtures): factories from `hre.ethers`, UUPS proxies
 * through the OpenZeppelin upgrades plugin — its storage-layout validation and its `.openzeppelin` record are the
 * plugin's own. Hardhat is used only through the runtime the caller passes (a type import here), so the deployment
 * modules load in processes without Hardhat.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { ConfigError } from "./config";
import type { DeployContext } from "./context";

export async function hardhatDeployContext(hre: HardhatRuntimeEnvironment): Promise<DeployContext> {
  const { ethers, upgrades, network } = hre;
  const signers = await ethers.getSigners();
  const deployer = signers[0];
  if (deployer === undefined) throw new ConfigError(`network "${network.name}" has no accounts: configure one to deploy with`);
  return {
    deployer,
    provider: ethers.provider,
    accounts: signers.map((s) => s.address),
    networkName: network.name,
    factory: (name, signer) => ethers.getContractFactory(name, signer),
    async deployProxy(name, args, signer) {
      const proxy = await upgrades.deployProxy(await ethers.getContractFactory(name, signer), args, { kind: "uups" });
      await proxy.waitForDeployment();
      const address = await proxy.getAddress();
      return { address, implementation: await upgrades.erc1967.getImplementationAddress(address) };
    },
  };
}
