/**
 * The bootstrap steps of the devnet. Each step checks whether it is done (files present, contracts with code,
 * pairs and anchorers registered) before doing anything, so a second start resumes where the first stopped.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { JsonRpcProvider, NonceManager, encryptKeystoreJson, parseEther, type Signer } from "ethers";
import { ConfigError, resolveConfig } from "../deploy/config";
import { artifactDeployContext } from "../deploy/context";
import { readManifest, writeManifest, type Manifest } from "../deploy/manifest";
import { deployNodeOwnerSync } from "../deploy/ownerSync";
import { deployProductChain } from "../deploy/product";
import { defaultValidationsFile, upgradesRecordFile, writeUpgradesRecord, type UpgradesRecord } from "../deploy/upgradesRecord";
import { DEV_ACCOUNT_COUNT, devAddresses } from "../lib/accounts";
import { errorMessage } from "../lib/errors";
import { buildGenesis, type BuildGenesisReturnType } from "../ops/chain/buildGenesis";
import { registerChain } from "../ops/chain/registerChain";
import { connectContract } from "../ops/contracts";
import { deployAnchorRegistry } from "../services/anchor/deployRegistry";

import { AUDIT_LOG_ID, DEV_KEYSTORE_PASSWORD, DevnetError, ETHEREUM_CHAIN_ID, MAIN_CHAIN_ID, PRODUCT_CHAIN_ID, PRODUCT_CHAIN_NAME, ROLES, devWallet, devnetMainGenesisParameters, devnetProductGenesisParameters, devnetProductOwners, type DevnetGenesisParameters, type DevnetOptions, type DevnetPaths } from "./config";
import { passProposal } from "../ops/governance/passProposal";
import { anchorerAction } from "../ops/governance/proposalActions";
import { isLuniverseError } from "../lib/errors";
import { readState, writeState, type DevnetState } from "./state";
import { devLimits, issueDevProductToken } from "./tokens";
import { issueMainToken } from "../ops/token/issueMainToken";
import { executeCalls, registerBridgePair } from "../ops/bridge/registerBridgePair";
import { setSponsored } from "../ops/gas/setSponsored";

export type Log = (line: string) => void;

/** Progress lines of the deployments (every contract, every role) go to `logs/bootstrap.log`, not the console. */
function bootstrapLog(p: DevnetPaths): Log {
  const file = path.join(p.logs, "bootstrap.log");
  mkdirSync(p.logs, { recursive: true });
  return (line) => appendFileSync(file, `${new Date().toISOString()} ${line}\n`);
}

/** `step()`, its failure a DevnetError that names the step and the log. */
async function devnetStep<T>(what: string, p: DevnetPaths, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    throw new DevnetError("DEVNET_STEP", `${what} failed: ${errorMessage(e)} (see ${path.join(p.logs, "bootstrap.log")})`, { cause: e });
  }
}

/** The development accounts 0–19 (the chains' accounts by index). */
const devAccounts = (): string[] => devAddresses(Array.from({ length: DEV_ACCOUNT_COUNT }, (_, i) => i));

export function provider(url: string, chainId: number): JsonRpcProvider {
  return new JsonRpcProvider(url, chainId, { staticNetwork: true, pollingInterval: 250 });
}

/**
 * A devnet genesis as `ensureGenesis` builds it (and scripts/devnet-manifests.ts for the package's manifests): development
 * account 0 deploys the system contracts, accounts 0–19 are funded, the upgrades plugin's validations of `root` are checked.
 */
export function buildDevnetGenesis(parameters: DevnetGenesisParameters, opts: { root: string; log?: Log }): Promise<BuildGenesisReturnType> {
  const { chainId, gasFree, systemConfig } = parameters;
  return buildGenesis(devWallet(ROLES.deployer), { chainId, gasFree, config: resolveConfig(systemConfig), accounts: devAccounts(), validations: defaultValidationsFile(opts.root), log: opts.log });
}

/**
 * The product chain's bridge side (ProductBridge, the ProductToken implementation, ProductTokenFactory) as the devnet
 * deploys it: by development account 0 on `product`, first thing after its genesis, so at fixed addresses. Writes
 * `<manifestDir>/product.json`; returns the manifest and the upgrades plugin's record of the deployment.
 */
export async function deployDevnetProductBridge(product: JsonRpcProvider, opts: { root: string; manifestDir: string; log?: Log }): Promise<{ manifest: Manifest; upgradesRecord: UpgradesRecord }> {
  const ctx = await artifactDeployContext(signer(product, ROLES.deployer), { accounts: devAccounts(), networkName: "luniverseProduct", validations: defaultValidationsFile(opts.root) });
  const { manifest } = await deployProductChain(ctx, { manifestDir: opts.manifestDir, manifestNetwork: "product", log: opts.log });
  return { manifest, upgradesRecord: ctx.upgradesRecord() };
}

/**
 * Step 1: the genesis files of the main chain (with `validators` validators) and of the gas-free product chain (with
 * `productValidators`).
 */
export async function ensureGenesis(o: DevnetOptions, p: DevnetPaths, log: Log): Promise<DevnetState> {
  const existing = readState(p.state);
  if (existing && existing.validators !== o.validators) {
    throw new DevnetError(
      "DEVNET_VALIDATORS",
      `${o.dataDir} holds a devnet with ${existing.validators} validator(s); start it with --validators ${existing.validators}, or pass --reset to start a new one with ${o.validators}`,
    );
  }
  const existingProduct = existing?.productValidators ?? 1;
  if (existing && existingProduct !== o.productValidators) {
    throw new DevnetError(
      "DEVNET_VALIDATORS",
      `${o.dataDir} holds a devnet whose product chain has ${existingProduct} validator(s); start it with --product-validators ${existingProduct}, or pass --reset to start a new one with ${o.productValidators}`,
    );
  }
  const mainManifest = path.join(p.deployments, "luniverse.json");
  if (existing && existsSync(p.mainGenesis) && existsSync(p.productGenesis) && existsSync(mainManifest)) return existing;

  mkdirSync(p.genesisDir, { recursive: true });
  const mainParameters = devnetMainGenesisParameters(o.validators);
  const productParameters = devnetProductGenesisParameters(o.productValidators);
  writeFileSync(p.systemConfig, JSON.stringify(mainParameters.systemConfig, null, 2) + "\n");
  writeFileSync(path.join(p.genesisDir, "product-system.json"), JSON.stringify(productParameters.systemConfig, null, 2) + "\n");
  log(`building the genesis files (main chain ${MAIN_CHAIN_ID} with ${o.validators} validator(s), gas-free product chain ${PRODUCT_CHAIN_ID} with ${o.productValidators})`);
  const toFile = bootstrapLog(p);
  const genesisOf = (parameters: DevnetGenesisParameters) =>
    devnetStep(`building the genesis of chain ${parameters.chainId}`, p, async () => {
      const built = await buildDevnetGenesis(parameters, { root: o.root, log: toFile });
      writeFileSync(parameters.gasFree ? p.productGenesis : p.mainGenesis, JSON.stringify(built.genesis, null, 2) + "\n");
      // a new chain: the upgrades plugin's record of an earlier one with this id is void (as node:genesis does)
      writeUpgradesRecord(upgradesRecordFile(o.root, parameters.chainId), built.upgradesRecord!);
      return built.deployment;
    });
  const m = { ...(await genesisOf(mainParameters)), network: "luniverse", chainId: MAIN_CHAIN_ID };
  // the product chain's own system contracts are not recorded: its bridge side comes from deployProductChain (step 2)
  await genesisOf(productParameters);
  writeManifest(mainManifest, m);
  const state: DevnetState = {
    version: 1,
    validators: o.validators,
    productValidators: o.productValidators,
    chainIds: { main: MAIN_CHAIN_ID, product: PRODUCT_CHAIN_ID, ethereum: ETHEREUM_CHAIN_ID },
    main: Object.fromEntries(Object.values(m.contracts).map((c) => [c.name, c.address])),
  };
  writeState(p.state, state);
  return state;
}

/**
 * `deployments/luniverseProduct.json`, for tasks that address the product chain with --network luniverseProduct: its
 * genesis contracts (the gas policy, its governance), with what the devnet deployed after the genesis
 * (deployments/product.json: the bridge side, and with four validators NodeOwnerSync) in place of the genesis ones.
 */
function writeProductManifest(p: DevnetPaths, genesis: Manifest, state: DevnetState): void {
  const own = readManifest(path.join(p.deployments, "product.json"));
  const kind = (name: string) => own?.contracts[name]?.proxyKind ?? genesis.contracts[name]?.proxyKind ?? "none";
  const deployed = Object.fromEntries(Object.entries(state.product!).map(([name, address]) => [name, { name, address, proxyKind: kind(name) }]));
  writeManifest(path.join(p.deployments, "luniverseProduct.json"), { ...genesis, network: "luniverseProduct", chainId: PRODUCT_CHAIN_ID, contracts: { ...genesis.contracts, ...deployed } } as Manifest);
}

/**
 * With four product validators: the product chain in the main chain's ProductChainRegistry, registered by the
 * consortium partner `cp` (development account 0: the main genesis grants CP_ROLE to deploy/config.ts's
 * `consortiumPartners`, by default the deployer) with the sample DApp's product developer and the four node owners
 * ({@link devnetProductOwners}). Skipped when the registry knows the chain already, whatever its owners are now (swaps
 * change them).
 */
async function ensureProductChainRegistered(cp: Signer, registry: string, log: Log): Promise<void> {
  const record = await connectContract("ProductChainRegistry", registry, cp).getChain(PRODUCT_CHAIN_ID);
  if (record.status !== 0n) return; // Status.None: not registered
  const owners = devnetProductOwners();
  log(`registering product chain ${PRODUCT_CHAIN_ID} in the main chain's ProductChainRegistry with its four node owners (accounts ${ROLES.validators.join(", ")})`);
  await registerChain(cp, { registry, chainId: BigInt(PRODUCT_CHAIN_ID), name: PRODUCT_CHAIN_NAME, productDeveloper: devWallet(ROLES.productDeveloper).address, nodeOwners: owners });
}

/**
 * With four product validators: the product chain's NodeOwnerSync, through which the six relayers apply the node-owner
 * swaps decided on the main chain to the product chain's validator set (deploy/ownerSync.ts). It counts the signers of
 * the devnet's ProductBridge — the one the relayers sign for, deployed after the genesis — so it is deployed here, not in
 * the genesis, and recorded in `deployments/product.json` beside the bridge side; ownersNonce 0, as the genesis
 * validators are the owners as registered. The chain's governance holds its ValidatorSet from the genesis on: the first
 * run stops at the missing `GOVERNANCE_ROLE` (deployNodeOwnerSync's ConfigError naming the proposal), the four owners pass
 * that proposal on the product chain, and the deployment completes (NodeOwnerSync handed to the chain's timelock and
 * council). A later run finds everything done and sends nothing. Returns NodeOwnerSync's address.
 */
async function ensureOwnerSync(o: DevnetOptions, p: DevnetPaths, product: JsonRpcProvider, on: { productBridge: string; genesis: Manifest }, log: Log): Promise<string> {
  return devnetStep("deploying the product chain's NodeOwnerSync", p, async () => {
    const file = path.join(p.deployments, "product.json");
    const manifest = readManifest(file);
    if (manifest === undefined) throw new DevnetError("DEVNET_STEP", `${file} is missing; start with --reset`);
    const c = (name: string): string => {
      const address = on.genesis.contracts[name]?.address;
      if (address === undefined) throw new DevnetError("DEVNET_STEP", `the product genesis records no ${name}; start with --reset`);
      return address;
    };
    const fresh = !(await hasCode(product, manifest.contracts.NodeOwnerSync?.address));
    if (fresh) log("deploying the product chain's NodeOwnerSync (the relayers carry the node owners' swaps to it)");
    const ctx = await artifactDeployContext(signer(product, ROLES.deployer), { accounts: devAccounts(), networkName: "luniverseProduct", validations: defaultValidationsFile(o.root) });
    const deploy = () =>
      deployNodeOwnerSync(ctx, {
        manifest,
        save: () => writeManifest(file, { ...manifest, updatedAt: new Date().toISOString() }),
        timelock: c("LuniverseTimelock"),
        council: c("EmergencyCouncil"),
        validatorSet: c("ValidatorSet"),
        signerSource: on.productBridge,
        chainRegistry: c("ProductChainRegistry"),
        ownersNonce: 0,
        log: bootstrapLog(p),
      });
    try {
      await deploy();
    } catch (e) {
      const address = manifest.contracts.NodeOwnerSync?.address;
      const validatorSet = connectContract("ValidatorSet", c("ValidatorSet"), product);
      const role = await validatorSet.GOVERNANCE_ROLE();
      if (!(e instanceof ConfigError) || address === undefined || (await validatorSet.hasRole(role, address))) throw e;
      log(`governance on the product chain: GOVERNANCE_ROLE on its ValidatorSet for NodeOwnerSync ${address} (votes by its ${ROLES.validators.length} node owners)`);
      await passProposal(
        { provider: product, validators: ROLES.validators.map((i) => signer(product, i)) },
        {
          governor: c("LuniverseGovernor"),
          targets: [c("ValidatorSet")],
          calldatas: [validatorSet.interface.encodeFunctionData("grantRole", [role, address])],
          description: `devnet: NodeOwnerSync ${address} applies the node-owner swaps of chain ${PRODUCT_CHAIN_ID} decided on the main chain`,
          log,
        },
      );
      await deploy();
    }
    // the chain goes on: add the proxy to the upgrades plugin's record of it
    if (fresh) writeUpgradesRecord(upgradesRecordFile(o.root, PRODUCT_CHAIN_ID), ctx.upgradesRecord(), { merge: true });
    return manifest.contracts.NodeOwnerSync!.address;
  });
}

async function hasCode(prov: JsonRpcProvider, address: string | undefined): Promise<boolean> {
  return address !== undefined && (await prov.getCode(address)) !== "0x";
}

export interface BootstrapUrls {
  main: string;
  product: string;
  ethereum: string;
}

/** Signers on a chain, with local nonce counting (several transactions follow each other quickly). */
function signer(prov: JsonRpcProvider, account: number): Signer {
  return new NonceManager(devWallet(account).connect(prov));
}

/**
 * Step 2 (chains running): product-chain contracts, the sample main and product tokens, the pair on both bridges and
 * the phase-1 anchorer (one governance proposal), the phase-2 registry on anvil, the relayers' keystores.
 */
export async function bootstrapContracts(o: DevnetOptions, p: DevnetPaths, urls: BootstrapUrls, state: DevnetState, log: Log, extra: { auditAnchorer?: string } = {}): Promise<DevnetState> {
  const main = provider(urls.main, MAIN_CHAIN_ID);
  const product = provider(urls.product, PRODUCT_CHAIN_ID);
  const eth = provider(urls.ethereum, ETHEREUM_CHAIN_ID);
  const save = (): void => writeState(p.state, state);
  try {
    // product-chain bridge side
    if (!(await hasCode(product, state.product?.ProductBridge)) || !(await hasCode(product, state.product?.ProductTokenFactory))) {
      log("deploying the product chain's bridge side (ProductBridge, ProductToken, ProductTokenFactory)");
      const pm = await devnetStep("deploying the product chain's bridge side", p, async () => {
        const { manifest, upgradesRecord } = await deployDevnetProductBridge(product, { root: o.root, manifestDir: p.deployments, log: bootstrapLog(p) });
        // the chain goes on from its genesis: add to the upgrades plugin's record of it
        writeUpgradesRecord(upgradesRecordFile(o.root, PRODUCT_CHAIN_ID), upgradesRecord, { merge: true });
        return manifest;
      });
      state.product = Object.fromEntries(Object.values(pm.contracts).map((c) => [c.name, c.address]));
      save();
    }
    const m = state.main!;
    const cpMain = signer(main, ROLES.deployer);
    const adminProduct = signer(product, ROLES.deployer);
    const cpProduct = devWallet(ROLES.deployer); // signs the permission only
    const pd = signer(product, ROLES.productDeveloper);

    // sample tokens and pair
    const ratio = 10n;
    if (!state.sample || !(await hasCode(main, state.sample.mainToken)) || !(await hasCode(product, state.sample.productToken))) {
      log("issuing the sample main token LSMP and product token PSMP (1:10)");
      const supply = parseEther("1000000");
      const { token: mainToken } = await issueMainToken(cpMain, { factory: m.MainTokenFactory!, name: "Luniverse Sample", symbol: "LSMP", supply, cap: supply * 10n });
      const productToken = await issueDevProductToken({
        product,
        productAdmin: adminProduct,
        cp: cpProduct,
        pd,
        factory: state.product!.ProductTokenFactory!,
        mainToken,
        ratio,
        name: "Luniverse Sample Points",
        symbol: "PSMP",
      });
      state.sample = { mainToken, productToken, ratio: ratio.toString(), pairId: "" };
      save();
    }
    const s = state.sample;
    // the pair: directly on the product bridge (its deployer governs it), through governance on the main bridge
    const pair = await registerBridgePair(
      { main, product },
      {
        mainToken: s.mainToken,
        productToken: s.productToken,
        ratio: BigInt(s.ratio),
        limits: devLimits(),
        main: { bridge: m.MainBridge!, executor: m.LuniverseTimelock! },
        product: { bridge: state.product!.ProductBridge!, executor: await adminProduct.getAddress() },
        skipRegistered: true,
      },
    );
    if (pair.product?.call) await executeCalls(adminProduct, [pair.product.call], "registerPair on the product bridge");
    s.pairId = pair.pairId;

    // the product chain's gas policy (docs/gas-free.md): the platform sponsors calls to the bridge side, the sample DApp
    // its token; both sponsors and their accounts are in the genesis (devnet/config.ts). Members already listed are skipped.
    const productGenesis = JSON.parse(readFileSync(p.productGenesis, "utf8")) as { luniverse: { systemContracts: Record<string, string>; deployment?: Manifest } };
    const policy = productGenesis.luniverse.systemContracts.GasPolicy;
    const productDeployment = productGenesis.luniverse.deployment;
    if (productDeployment !== undefined) writeProductManifest(p, productDeployment, state);
    if (policy !== undefined) {
      const platform = await setSponsored(adminProduct, { policy, sponsorId: 1n, contracts: [state.product!.ProductBridge!, state.product!.ProductTokenFactory!], sponsored: true });
      const dapp = await setSponsored(pd, { policy, sponsorId: 2n, contracts: [s.productToken], sponsored: true });
      if (platform.transactionHashes.length + dapp.transactionHashes.length > 0) log("gas policy: the product bridge and token factory sponsored by the platform, the sample token by its DApp");
    }
    // four product validators: the product chain registered in the main chain's ProductChainRegistry with its four node
    // owners (the relayers carry their swaps to the NodeOwnerSync deployed below)
    if (o.productValidators === 4) await ensureProductChainRegistered(cpMain, m.ProductChainRegistry!, log);
    const calls: { target: string; data: string }[] = pair.main?.call ? [pair.main.call] : [];

    // phase-1 anchoring: the product chain registered in the main chain's AnchorRegistry, with its anchorer (no calls
    // when it is one already: the operation refuses a proposal that would change nothing)
    const anchorer1 = devWallet(ROLES.anchorerPhase1).address;
    const anchorer2 = devWallet(ROLES.anchorerPhase2).address;
    const anchoring = await anchorerAction(main, { registry: m.AnchorRegistry!, chainId: BigInt(PRODUCT_CHAIN_ID), anchorer: anchorer1, startBlock: 1n }).catch((e: unknown) => {
      if (isLuniverseError(e) && e.code === "OP_PRECONDITION") return null;
      throw e;
    });
    if (anchoring) calls.push(...anchoring.calls);
    // the signer service's audit log, anchored in the same registry by its HSM key (funded for the main chain's gas)
    if (extra.auditAnchorer !== undefined) {
      const audit = await anchorerAction(main, { registry: m.AnchorRegistry!, chainId: BigInt(AUDIT_LOG_ID), anchorer: extra.auditAnchorer, startBlock: 1n }).catch((e: unknown) => {
        if (isLuniverseError(e) && e.code === "OP_PRECONDITION") return null;
        throw e;
      });
      if (audit) calls.push(...audit.calls);
      if ((await main.getBalance(extra.auditAnchorer)) < parseEther("1")) await (await cpMain.sendTransaction({ to: extra.auditAnchorer, value: parseEther("100") })).wait();
    }
    const mainGovernance = async (): Promise<void> => {
      if (calls.length === 0) return;
      log(`governance: registering the sample pair and the phase-1 anchorer (${calls.length} call(s); votes by ${o.validators} validator(s))`);
      await passProposal(
        { provider: main, validators: ROLES.validators.slice(0, o.validators).map((i) => signer(main, i)) },
        {
          governor: m.LuniverseGovernor!,
          targets: calls.map((c) => c.target),
          calldatas: calls.map((c) => c.data),
          description: `devnet: sample pair ${s.pairId}; anchoring of chain ${PRODUCT_CHAIN_ID} by ${anchorer1}${extra.auditAnchorer ? `; the signer audit log ${AUDIT_LOG_ID} by ${extra.auditAnchorer}` : ""}`,
          log,
        },
      );
    };
    // the product chain's NodeOwnerSync may need a proposal on the product chain: both chains' governance at once
    const productOwnerSync = async (): Promise<void> => {
      if (o.productValidators !== 4 || productDeployment === undefined) return;
      const address = await ensureOwnerSync(o, p, product, { productBridge: state.product!.ProductBridge!, genesis: productDeployment }, log);
      if (state.product!.NodeOwnerSync !== address) {
        state.product = { ...state.product, NodeOwnerSync: address };
        writeProductManifest(p, productDeployment, state);
        save();
      }
    };
    const settled = await Promise.allSettled([mainGovernance(), productOwnerSync()]);
    for (const r of settled) if (r.status === "rejected") throw r.reason;

    // phase-2 anchoring: a registry on "Ethereum" (anvil), governed by the deployer, with the main chain as child
    state.anchoring = { ...(state.anchoring ?? { phase2Anchorer: anchorer2 }), phase1Registry: m.AnchorRegistry!, phase1Anchorer: anchorer1, phase2Anchorer: anchorer2 };
    if (!(await hasCode(eth, state.anchoring.phase2Registry))) {
      log(`deploying the phase-2 AnchorRegistry on anvil (chain ${ETHEREUM_CHAIN_ID})`);
      const r = await deployAnchorRegistry({
        deployer: devWallet(ROLES.deployer).connect(eth),
        children: [{ chainId: BigInt(MAIN_CHAIN_ID), startBlock: 1n, anchorers: [anchorer2] }],
        manifestFile: path.join(p.deployments, `anchor-${ETHEREUM_CHAIN_ID}.json`),
        network: "ethereum",
      });
      state.anchoring.phase2Registry = r.address;
      rmSync(p.anchorCursor("phase2"), { force: true }); // a cursor of an earlier registry
    }
    save();

    // relayer keystores (development password, low scrypt cost: local only)
    mkdirSync(p.keystores, { recursive: true, mode: 0o700 });
    for (let n = 1; n <= 6; n++) {
      const file = path.join(p.keystores, `signer-${n}.json`);
      if (existsSync(file)) continue;
      const w = devWallet(ROLES.signers[n - 1]!);
      writeFileSync(file, await encryptKeystoreJson({ address: w.address, privateKey: w.privateKey }, DEV_KEYSTORE_PASSWORD, { scrypt: { N: 1 << 12 } }), { mode: 0o600 });
    }
    state.bootstrappedAt ??= new Date().toISOString();
    save();
    return state;
  } finally {
    main.destroy();
    product.destroy();
    eth.destroy();
  }
}

/** The main chain's system manifest written by node:genesis (for the table). */
export function mainManifestContracts(p: DevnetPaths): Record<string, string> {
  const file = path.join(p.deployments, "luniverse.json");
  const m = JSON.parse(readFileSync(file, "utf8")) as { contracts: Record<string, { address: string }> };
  return Object.fromEntries(Object.entries(m.contracts).map(([k, v]) => [k, v.address]));
}
