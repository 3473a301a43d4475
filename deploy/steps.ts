import type { Signer } from "ethers";
import { ConfigError } from "./config";
import type { DeployContext } from "./context";
import type { Manifest, ProxyKind } from "./manifest";

/** The role functions of an OpenZeppelin AccessControl contract. */
export interface RoleHolder {
  hasRole(role: string, account: string): Promise<boolean>;
  grantRole(role: string, account: string): Promise<{ wait(): Promise<unknown> }>;
  renounceRole(role: string, account: string): Promise<{ wait(): Promise<unknown> }>;
}

/** A governed system contract (contracts/utils/SystemContract.sol). */
export interface GovernedContract extends RoleHolder {
  GOVERNANCE_ROLE(): Promise<string>;
  DEFAULT_ADMIN_ROLE(): Promise<string>;
  PAUSER_ROLE(): Promise<string>;
}

/** A system contract that obeys the product-chain registry's chain statuses (AnchorRegistry, MainBridge). */
export interface ChainStatusFollower extends GovernedContract {
  chainRegistry(): Promise<string>;
  setChainRegistry(registry: string): Promise<{ wait(): Promise<unknown> }>;
}

export interface DeployStepsOptions {
  manifest: Manifest;
  /** Persists the manifest (called after every new contract). */
  save: () => void;
  deployer: Signer;
  log?: (line: string) => void;
}

/** The idempotent building blocks every deployment module uses. */
export interface DeploySteps {
  /** Deploys `name` unless the manifest records it with code on chain; returns its address. */
  ensure(name: string, kind: ProxyKind, args: unknown[]): Promise<string>;
  /** Grants `role` to `account` unless it already holds it. */
  grant(c: RoleHolder, contract: string, roleName: string, role: string, account: string): Promise<void>;
  /** The deployer renounces `role` if it holds it. */
  renounce(c: RoleHolder, contract: string, roleName: string, role: string): Promise<void>;
  /**
   * Hands governed contracts to governance: the council gets `PAUSER_ROLE`, the timelock `DEFAULT_ADMIN_ROLE` and
   * `GOVERNANCE_ROLE` (while the deployer can still grant them), then the deployer renounces its own.
   */
  handOver(contracts: [string, GovernedContract][], timelock: string, council: string): Promise<void>;
  /**
   * Points `c` at the product-chain registry `registry` unless it already is: directly while the deployer governs
   * `c`, else a {@link ConfigError} naming the governance proposal that does it.
   */
  setChainRegistry(c: ChainStatusFollower, contract: string, registry: string): Promise<void>;
}

export function deploySteps(ctx: DeployContext, options: DeployStepsOptions): DeploySteps {
  const { manifest: m, save, deployer } = options;
  const log = options.log ?? (() => undefined);

  const steps: DeploySteps = {
    async ensure(name, kind, args) {
      const entry = m.contracts[name];
      if (entry && (await ctx.provider.getCode(entry.address)) !== "0x") {
        log(`${name}: reusing ${entry.address}`);
        return entry.address;
      }
      let address: string;
      let implementation: string | undefined;
      if (kind === "uups") {
        ({ address, implementation } = await ctx.deployProxy(name, args, deployer));
      } else {
        const c = await (await ctx.factory(name, deployer)).deploy(...args);
        await c.waitForDeployment();
        address = await c.getAddress();
      }
      m.contracts[name] = { name, address, proxyKind: kind, ...(implementation ? { implementation } : {}) };
      save();
      log(`${name}: deployed at ${address}`);
      return address;
    },

    async grant(c, contract, roleName, role, account) {
      if (await c.hasRole(role, account)) return;
      await (await c.grantRole(role, account)).wait();
      log(`${contract}: granted ${roleName} to ${account}`);
    },

    async renounce(c, contract, roleName, role) {
      const me = await deployer.getAddress();
      if (!(await c.hasRole(role, me))) return;
      await (await c.renounceRole(role, me)).wait();
      log(`${contract}: deployer renounced ${roleName}`);
    },

    async handOver(contracts, timelock, council) {
      const me = await deployer.getAddress();
      for (const [name, c] of contracts) {
        if (!(await c.hasRole(await c.DEFAULT_ADMIN_ROLE(), me))) continue; // handed over by an earlier run
        await steps.grant(c, name, "PAUSER_ROLE", await c.PAUSER_ROLE(), council);
        await steps.grant(c, name, "DEFAULT_ADMIN_ROLE", await c.DEFAULT_ADMIN_ROLE(), timelock);
        await steps.grant(c, name, "GOVERNANCE_ROLE", await c.GOVERNANCE_ROLE(), timelock);
      }
      for (const [name, c] of contracts) {
        await steps.renounce(c, name, "GOVERNANCE_ROLE", await c.GOVERNANCE_ROLE());
        await steps.renounce(c, name, "DEFAULT_ADMIN_ROLE", await c.DEFAULT_ADMIN_ROLE());
      }
    },

    async setChainRegistry(c, contract, registry) {
      let current: string;
      try {
        current = await c.chainRegistry();
      } catch (e) {
        throw new ConfigError(
          `${contract} does not answer chainRegistry() (${(e as Error).message.split("\n")[0]}): its implementation predates it; ` +
            `upgrade it through governance first (gov:propose --action upgrade --contract ${contract})`,
        );
      }
      if (current.toLowerCase() === registry.toLowerCase()) return;
      if (!(await c.hasRole(await c.GOVERNANCE_ROLE(), await deployer.getAddress()))) {
        throw new ConfigError(
          `${contract} belongs to governance: propose its product-chain registry with ` +
            `npx hardhat gov:propose --network ${ctx.networkName} --action call --target ${contract} --signature "setChainRegistry(address)" --args '["${registry}"]'`,
        );
      }
      await (await c.setChainRegistry(registry)).wait();
      log(`${contract}: obeys the chain statuses of ProductChainRegistry ${registry}`);
    },
  };
  return steps;
}
