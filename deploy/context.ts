/**
 * What the deployment modules (system, steps, product, economy, dex, anchor) need from the chain they deploy to:
 * a deployer, a provider, the network's accounts, contract factories and UUPS proxies. Two builders:
 *
 * - {@link hardhatDeployContext} (deploy/hardhat.ts) — from Hardhat's runtime, for tasks and test fixtures: factories
 *   from `hre.ethers`, proxies through the OpenZeppelin upgrades plugin (its storage-layout validation and its
 *   `.openzeppelin` record, unchanged);
 * - {@link artifactDeployContext} — from an ethers `Signer` alone, in any process: factories from the generated
 *   typechain bindings (ABI + bytecode), proxies as implementation + `ERC1967Proxy(implementation, initData)` with the
 *   very ERC1967Proxy the plugin deploys, so the chain state is byte for byte the plugin's. With `validations` it
 *   runs the plugin's upgrade-safety check and keeps what the plugin would record (see deploy/upgradesRecord.ts).
 *
 * The modules take a {@link DeployTarget}: a context, or Hardhat's runtime (turned into a context here), so
 * `deploySystem(hre, …)` keeps working for the tasks and the fixtures.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { ContractFactory, type ContractRunner, type Interface, type InterfaceAbi, type Provider, type Signer } from "ethers";
import type * as Typechain from "../typechain-types";
import { typechain } from "../lib/typechain";
import { ConfigError } from "./config";
import { hardhatDeployContext } from "./hardhat";
import { assertUpgradeSafeImplementation, implementationRecord, readValidations, type UpgradesRecord, type ValidationData } from "./upgradesRecord";

/** A UUPS proxy as deployed: the proxy and the implementation behind it. */
export interface DeployedProxy {
  address: string;
  implementation: string;
}

export interface DeployContext {
  /** Sends the transactions unless a module is given another signer (account 0 of the network). */
  deployer: Signer;
  provider: Provider;
  /** The network's accounts by index: defaults for genesis validators (1–4), council (5–9) and bridge signers (10–15). */
  accounts: string[];
  /** For messages and default manifest names (`deployments/<networkName>.json`). */
  networkName: string;
  /** The factory of contract `name` (ABI + bytecode), connected to `signer`. */
  factory(name: string, signer: Signer): Promise<ContractFactory>;
  /** Deploys `name` behind a UUPS (ERC-1967) proxy initialised with `initialize(...args)`, sent by `signer`. */
  deployProxy(name: string, args: unknown[], signer: Signer): Promise<DeployedProxy>;
}

/** What the deployment functions accept: a context, or Hardhat's runtime (tasks, test fixtures). */
export type DeployTarget = DeployContext | HardhatRuntimeEnvironment;

function isDeployContext(target: DeployTarget): target is DeployContext {
  return typeof (target as Partial<DeployContext>).deployProxy === "function";
}

/** The context of `target` (Hardhat's runtime becomes {@link hardhatDeployContext}). */
export async function resolveDeployContext(target: DeployTarget): Promise<DeployContext> {
  return isDeployContext(target) ? target : hardhatDeployContext(target);
}

type Factories = typeof Typechain;
/** A contract with generated bindings (`ValidatorSet`, `MainBridge`, …). */
export type BoundContractName = { [K in keyof Factories]: K extends `${infer N}__factory` ? N : never }[keyof Factories];
/** The typechain binding type of contract `N`. */
export type BoundContract<N extends BoundContractName> = ReturnType<Factories[`${N}__factory`]["connect"]>;

/** The typechain binding of `name` at `address`, connected to `runner` (what `hre.ethers.getContractAt` returns). */
export function contractAt<N extends BoundContractName>(name: N, address: string, runner: ContractRunner | null): BoundContract<N> {
  const bindings = (typechain() as unknown as Record<string, { connect(a: string, r: ContractRunner | null): unknown } | undefined>)[`${name}__factory`];
  if (!bindings) throw new ConfigError(`no bindings for contract ${name}: run npx hardhat compile`);
  return bindings.connect(address, runner) as BoundContract<N>;
}

// The ERC-1967 proxy that @openzeppelin/hardhat-upgrades deploys for UUPS contracts (its `getProxyFactory`): the
// OpenZeppelin Contracts v5 build shipped in upgrades-core. (`artifacts/@openzeppelin/contracts/…` beside it is the v4
// proxy, another bytecode.)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ERC1967_PROXY = require("@openzeppelin/upgrades-core/artifacts/@openzeppelin/contracts-v5/proxy/ERC1967/ERC1967Proxy.sol/ERC1967Proxy.json") as {
  abi: InterfaceAbi;
  bytecode: string;
};

/** The calldata the upgrades plugin passes to a new proxy (`getInitializerData`): `initialize(args)`, or none. */
export function initializerData(iface: Interface, args: unknown[]): string {
  const initialize = iface.getFunction("initialize");
  if (initialize === null) {
    if (args.length === 0) return "0x";
    throw new ConfigError(`the contract has no initialize function to call with ${args.length} argument(s)`);
  }
  return iface.encodeFunctionData(initialize, args);
}

export interface ArtifactDeployContextOptions {
  /** The network's accounts by index (default: only the deployer's address). */
  accounts?: string[];
  /** Network name for messages and default manifest names (default `unknown`). */
  networkName?: string;
  /**
   * The upgrades plugin's validation data (`cache/validations.json`, written by `hardhat compile`). When given, every
   * implementation behind a proxy passes the plugin's upgrade-safety check first, and {@link ArtifactDeployContext.upgradesRecord}
   * returns what the plugin would have recorded.
   */
  validations?: string | ValidationData;
}

/** A Hardhat-free context that also keeps the proxies it deployed (for the upgrades plugin's record). */
export interface ArtifactDeployContext extends DeployContext {
  /** The plugin's record of the proxies deployed so far (`.openzeppelin/<network>.json` content); needs `validations`. */
  upgradesRecord(): UpgradesRecord;
}

/**
 * A deployment context from an ethers signer connected to a provider: typechain factories, UUPS proxies as
 * implementation + the plugin's ERC1967Proxy. Needs no Hardhat runtime.
 */
export async function artifactDeployContext(deployer: Signer, options: ArtifactDeployContextOptions = {}): Promise<ArtifactDeployContext> {
  const provider = deployer.provider;
  if (!provider) throw new ConfigError("artifactDeployContext: the deployer must be connected to a provider");
  const accounts = options.accounts ?? [await deployer.getAddress()];
  const validations = typeof options.validations === "string" ? readValidations(options.validations) : options.validations;
  const deployed: { proxy: string; implementation: string; bytecode: string }[] = [];

  const factory = async (name: string, signer: Signer): Promise<ContractFactory> => {
    const bindings = (typechain() as unknown as Record<string, { abi?: InterfaceAbi; bytecode?: string } | undefined>)[`${name}__factory`];
    if (!bindings?.abi || typeof bindings.bytecode !== "string") {
      throw new ConfigError(`no compiled contract ${name} (typechain-types has no deployable ${name}__factory): run npx hardhat compile`);
    }
    return new ContractFactory(bindings.abi, bindings.bytecode, signer);
  };

  return {
    deployer,
    provider,
    accounts,
    networkName: options.networkName ?? "unknown",
    factory,
    async deployProxy(name, args, signer) {
      const implFactory = await factory(name, signer);
      if (validations) assertUpgradeSafeImplementation(validations, implFactory.bytecode, name);
      const impl = await implFactory.deploy();
      await impl.waitForDeployment();
      const implementation = await impl.getAddress();
      const proxy = await new ContractFactory(ERC1967_PROXY.abi, ERC1967_PROXY.bytecode, signer).deploy(implementation, initializerData(implFactory.interface, args));
      await proxy.waitForDeployment();
      const address = await proxy.getAddress();
      deployed.push({ proxy: address, implementation, bytecode: implFactory.bytecode });
      return { address, implementation };
    },
    upgradesRecord() {
      if (!validations) throw new ConfigError("artifactDeployContext: the upgrades record needs the plugin's validations (cache/validations.json)");
      const record: UpgradesRecord = { manifestVersion: "3.2", proxies: [], impls: {} };
      for (const d of deployed) {
        record.proxies.push({ address: d.proxy, kind: "uups" });
        const { version, layout } = implementationRecord(validations, d.bytecode);
        record.impls[version] = { address: d.implementation, layout };
      }
      return record;
    },
  };
}
