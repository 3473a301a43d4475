/**
 * The npm package third parties consume: `@luniverse/contracts` is built and packed, installed offline from its
 * tarball into a scratch project, and used from there — with plain ethers, its typechain types and viem — against
 * a node started from the devnet's main-chain genesis, at the addresses of the shipped deployment manifest. The
 * shipped devnet-product manifest is rebuilt as `npm run package:deployments` builds it (product genesis, a node,
 * the devnet's bridge-side deployment) and compared with the committed one.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import ts from "typescript";
import { buildPackage, type BuildPackageResult } from "../../scripts/build-package";
import { DEVNET_MAIN, DEVNET_PRODUCT, DEPLOYMENTS_DIR, buildDevnetProductDeployment, devnetMainDeployment, type PackageDeployment } from "../../scripts/devnet-manifests";
import { readPublicArtifacts } from "../../scripts/abi/publicAbis";
import { NodeProcess, devKey, freePort, testGenesis } from "../node/helpers/nodes";

const ROOT = path.resolve(__dirname, "../..");

/** Run from the scratch project: everything it prints is one JSON object. */
const CONSUMER_JS = `
const { JsonRpcProvider, Contract } = require("ethers");
const { createPublicClient, http, defineChain } = require("viem");
const pkg = require("@luniverse/contracts");
const { ValidatorSet__factory } = require("@luniverse/contracts/types");

async function main(rpc) {
  const d = pkg.deployment("devnet-main");
  const provider = new JsonRpcProvider(rpc, d.chainId, { staticNetwork: true });
  const block = await provider.getBlockNumber();
  const chainId = Number((await provider.getNetwork()).chainId);

  // ethers: the typechain factory, and a plain Contract from the JSON ABI
  const vs = ValidatorSet__factory.connect(d.contracts.ValidatorSet.address, provider);
  const ethersValidators = await vs.validatorsAt(block);
  const token = new Contract(pkg.address("devnet-main", "StakingToken"), pkg.abi("StakingToken"), provider);
  const ethersSymbol = await token.symbol();

  // viem: the as-const ABIs
  const chain = defineChain({ id: d.chainId, name: "Luniverse devnet", nativeCurrency: { name: "Native", symbol: "NATIVE", decimals: 18 }, rpcUrls: { default: { http: [rpc] } } });
  const client = createPublicClient({ chain, transport: http(rpc) });
  const viemValidators = await client.readContract({ address: pkg.address("devnet-main", "ValidatorSet"), abi: pkg.ValidatorSetAbi, functionName: "validatorsAt", args: [BigInt(block)] });
  const viemSymbol = await client.readContract({ address: d.contracts.StakingToken.address, abi: pkg.abis.StakingToken, functionName: "symbol" });
  const viemChainId = await client.getChainId();

  // every contract of the manifest has code on the chain
  const withoutCode = [];
  for (const c of Object.values(d.contracts)) if ((await provider.getCode(c.address)) === "0x") withoutCode.push(c.name);

  let unknown = null;
  try { pkg.abi("NoSuchContract"); } catch (e) { unknown = e.code; }
  provider.destroy();
  const product = pkg.deployment("devnet-product");
  return { version: pkg.version, contractNames: pkg.contractNames, deploymentNames: pkg.deploymentNames, product, productFactory: pkg.address("devnet-product", "ProductTokenFactory"), deployment: d, chainId, viemChainId, block, ethersValidators: [...ethersValidators], viemValidators: [...viemValidators], ethersSymbol, viemSymbol, withoutCode, unknown };
}
main(process.argv[2]).then((r) => console.log(JSON.stringify(r)), (e) => { console.error(e); process.exit(1); });
`;

/** Type-checked from the scratch project: the declarations let TypeScript infer viem's and typechain's types. */
const CONSUMER_TS = `
import { createPublicClient, http } from "viem";
import { JsonRpcProvider } from "ethers";
import { ValidatorSetAbi, abi, address, deployment } from "@luniverse/contracts";
import { ValidatorSet__factory, type ValidatorSet } from "@luniverse/contracts/types";

export async function check(rpc: string): Promise<readonly \`0x\${string}\`[]> {
  const d = deployment("devnet-main");
  const chainId: 2018 = d.chainId;
  const client = createPublicClient({ transport: http(rpc) });
  const validators = await client.readContract({ address: address("devnet-main", "ValidatorSet"), abi: ValidatorSetAbi, functionName: "validatorsAt", args: [1n] });
  // @ts-expect-error: ValidatorSet has no such function (the ABI is as const, so viem knows)
  await client.readContract({ address: address("devnet-main", "ValidatorSet"), abi: ValidatorSetAbi, functionName: "noSuchFunction" });
  const vs: ValidatorSet = ValidatorSet__factory.connect(d.contracts.ValidatorSet.address, new JsonRpcProvider(rpc));
  const fromEthers: string[] = await vs.validatorsAt(1n);
  const stakingAbi = abi("StakingToken");
  const productChainId: 3001 = deployment("devnet-product").chainId;
  const productBridge: string = address("devnet-product", "ProductBridge");
  void chainId; void fromEthers; void stakingAbi; void productChainId; void productBridge;
  return validators;
}
`;

function sh(cmd: string, args: string[], cwd: string, timeout = 120_000): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout, env: { ...process.env, npm_config_update_notifier: "false" } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) exited ${r.status ?? r.signal}:\n${(r.stdout + r.stderr).slice(-3000)}`);
  return r.stdout;
}

describe("@luniverse/contracts (the npm package)", function () {
  this.timeout(300_000);
  let dir: string;
  let node: NodeProcess | undefined;
  let genesisFile: string;
  let built: BuildPackageResult;
  let app: string;
  let committed: PackageDeployment;
  let committedProduct: PackageDeployment;
  let producedProduct: PackageDeployment;

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), "luniverse-package-"));
    committed = JSON.parse(readFileSync(path.join(DEPLOYMENTS_DIR, `${DEVNET_MAIN.name}.json`), "utf8")) as PackageDeployment;
    committedProduct = JSON.parse(readFileSync(path.join(DEPLOYMENTS_DIR, `${DEVNET_PRODUCT.name}.json`), "utf8")) as PackageDeployment;
    // the devnet's main-chain genesis (cached per content of contracts/, deploy/, node/, shared with other tests)
    const genesisAndNode = (async () => {
      genesisFile = await testGenesis({ chainId: DEVNET_MAIN.chainId, validators: 1, systemConfig: DEVNET_MAIN.systemConfig });
      node = new NodeProcess({ genesis: genesisFile, dataDir: path.join(dir, "node"), rpcPort: await freePort(), p2pPort: await freePort(), peers: [], validator: 1 }, "devnet-main");
      await node.start();
    })();
    const pack = buildPackage({ outDir: path.join(dir, "dist"), packDestination: dir });
    // the devnet-product manifest as `npm run package:deployments` builds it (about 15 s, beside the package build)
    const product = buildDevnetProductDeployment();
    [built, , producedProduct] = await Promise.all([pack, genesisAndNode, product]);

    // a scratch project that installs the tarball offline; ethers and viem come from the repository
    app = path.join(dir, "app");
    mkdirSync(app);
    writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "scratch", version: "1.0.0", private: true }));
    sh("npm", ["install", built.tarball!, "--offline", "--no-audit", "--no-fund", "--ignore-scripts", "--legacy-peer-deps"], app);
    for (const dep of ["ethers", "viem"]) symlinkSync(path.join(ROOT, "node_modules", dep), path.join(app, "node_modules", dep), "dir");
  });

  after(async function () {
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("packs luniverse-contracts-<version>.tgz with sources, one ABI per public contract, types, deployments and docs", function () {
    expect(path.basename(built.tarball!)).to.equal(`luniverse-contracts-${built.version}.tgz`);
    const installed = path.join(app, "node_modules", "@luniverse", "contracts");
    const pkgJson = JSON.parse(readFileSync(path.join(installed, "package.json"), "utf8")) as { name: string; version: string; dependencies?: unknown };
    expect(pkgJson.name).to.equal("@luniverse/contracts");
    expect(pkgJson.dependencies, "no dependencies: installs offline").to.equal(undefined);
    for (const f of ["index.js", "index.d.ts", "README.md", "docs/abi.md", "abi-snapshot.json", "deployments/devnet-main.json", "deployments/devnet-product.json", "contracts/consensus/ValidatorSet.sol", "contracts/interfaces/IValidatorSet.sol", "types/index.js", "types/index.d.ts", "types/factories/ValidatorSet__factory.js"]) {
      expect(existsSync(path.join(installed, f)), f).to.equal(true);
    }
    expect(existsSync(path.join(installed, "contracts", "mocks")), "mocks are not shipped").to.equal(false);
    const publicNames = readPublicArtifacts(ROOT).map((a) => a.contractName).sort();
    const abiJson = readdirSync(path.join(installed, "abi")).filter((f) => f.endsWith(".json")).map((f) => f.replace(/\.json$/, "")).sort();
    expect(abiJson).to.deep.equal(publicNames);
    expect(abiJson.filter((n) => /^(ERC20|Ownable|AccessControl)/.test(n) || /Mock/.test(n))).to.deep.equal([]);
  });

  it("the committed devnet-main manifest is the devnet's genesis deployment", function () {
    expect(devnetMainDeployment(genesisFile), "package/deployments/devnet-main.json is stale: run `npm run package:deployments`").to.deep.equal(committed);
    expect(committed.chainId).to.equal(2018);
    expect(Object.keys(committed.contracts)).to.include.members(["ValidatorSet", "Slashing", "LuniverseGovernor", "MainBridge", "StakingToken", "AnchorRegistry"]);
  });

  it("the committed devnet-product manifest is what `npm run package:deployments` builds: the devnet's product-chain bridge side", function () {
    expect(committedProduct, "package/deployments/devnet-product.json is stale: run `npm run package:deployments`").to.deep.equal(producedProduct);
    expect(committedProduct.chainId).to.equal(3001);
    expect(Object.keys(committedProduct.contracts)).to.deep.equal(["ProductBridge", "ProductToken", "ProductTokenFactory"]);
  });

  it("from the scratch project, reads the deployment and calls contracts with ethers (typechain and plain ABI) and viem", function () {
    this.timeout(60_000);
    writeFileSync(path.join(app, "consumer.js"), CONSUMER_JS);
    const out = JSON.parse(sh(process.execPath, ["consumer.js", node!.rpc], app, 60_000)) as {
      version: string; contractNames: string[]; deploymentNames: string[]; product: PackageDeployment; productFactory: string; deployment: PackageDeployment; chainId: number; viemChainId: number; block: number;
      ethersValidators: string[]; viemValidators: string[]; ethersSymbol: string; viemSymbol: string; withoutCode: string[]; unknown: string | null;
    };
    expect(out.version).to.equal(built.version);
    expect(out.contractNames).to.include.members(["ValidatorSet", "StakingToken", "MainBridge"]);
    expect(out.deployment).to.deep.equal(committed);
    expect(out.deploymentNames).to.have.members(["devnet-main", "devnet-product"]);
    expect(out.product).to.deep.equal(committedProduct);
    expect(out.productFactory).to.equal(committedProduct.contracts.ProductTokenFactory!.address);
    expect(out.chainId).to.equal(2018);
    expect(out.viemChainId).to.equal(2018);
    expect(out.ethersValidators).to.deep.equal([devKey(1).address]);
    expect(out.viemValidators).to.deep.equal(out.ethersValidators);
    expect(out.ethersSymbol).to.equal("LUNS");
    expect(out.viemSymbol).to.equal("LUNS");
    expect(out.withoutCode, "manifest contracts without code on the node").to.deep.equal([]);
    expect(out.unknown).to.equal("UNKNOWN_CONTRACT");
  });

  it("type-checks a TypeScript consumer: viem infers from the as-const ABI, typechain types import from /types", function () {
    this.timeout(120_000);
    const file = path.join(app, "consumer.ts");
    writeFileSync(file, CONSUMER_TS);
    const program = ts.createProgram([file], {
      noEmit: true,
      strict: true,
      target: ts.ScriptTarget.ES2020,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      skipLibCheck: true,
      types: [],
      lib: ["lib.es2020.d.ts", "lib.dom.d.ts"],
    });
    const errors = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error);
    const text = ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => app, getNewLine: () => "\n" });
    expect(errors.length, text).to.equal(0);
  });
});
