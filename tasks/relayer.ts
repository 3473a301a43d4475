import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { extendConfig } from "hardhat/config";
import { task, types } from "./lib/task";
import type { HardhatRuntimeEnvironment, HttpNetworkConfig } from "hardhat/types";
import { HDNodeWallet, Wallet, encryptKeystoreJson } from "ethers";
import { TaskError } from "./lib/errors";
import { explainRevert } from "../lib/revert";
import { deploymentsDir } from "./lib/system";
import { resolvePassword } from "../lib/keystore";
import { resolveRelayerOptions, type RawRelayerOptions } from "../services/relayer/config";
import { Relayer } from "../services/relayer/relayer";
import { deployProductChain } from "../deploy/product";
import { loadConfigFile, resolveConfig } from "../deploy/config";
import { parseAddress } from "../lib/args";

/**
 * Extra JSON-RPC networks from the environment, for chains that hardhat.config.ts does not name (a product chain,
 * a test's anvil): `LUNIVERSE_NETWORKS="product=http://127.0.0.1:9545,main2=http://…"`. Their accounts are the
 * node's own (`eth_accounts`), as for `localhost`; configured networks are never overridden.
 */
extendConfig((config) => {
  const spec = process.env.LUNIVERSE_NETWORKS;
  if (!spec) return;
  for (const part of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf("=");
    const name = part.slice(0, eq);
    const url = part.slice(eq + 1);
    if (eq <= 0 || !/^https?:\/\//.test(url)) throw new Error(`LUNIVERSE_NETWORKS: "${part}" is not name=http(s)://url`);
    if (config.networks[name]) continue;
    const base = config.networks.localhost as HttpNetworkConfig;
    config.networks[name] = { ...base, url, chainId: undefined, accounts: "remote" };
  }
});

/** `--main` / `--product` take a URL or the name of a Hardhat network with a URL. Returns the URL and the default manifest. */
export function resolveEndpoint(hre: HardhatRuntimeEnvironment, flag: string, value: string): { url: string; manifest?: string } {
  if (/^https?:\/\//.test(value)) return { url: value };
  const net = hre.config.networks[value];
  if (!net) throw new TaskError(`--${flag} "${value}" is neither an http(s) URL nor a network of hardhat.config.ts (${Object.keys(hre.config.networks).join(", ")})`);
  if (!("url" in net)) throw new TaskError(`--${flag} ${value}: the in-process Hardhat network cannot be shared with relayers; give a URL or a network with one (e.g. localhost)`);
  const manifest = path.join(deploymentsDir(), `${value}.json`);
  return { url: net.url, manifest: existsSync(manifest) ? manifest : undefined };
}

task("bridge:relayer", "Runs one bridge signer (relayer): confirms main-chain deposits on the product chain and redeems on the main chain")
  .addParam("signer", "Which signer this process is (1..6): keystore <keystore-dir>/signer-<n>.json", undefined, types.string)
  .addParam("main", "Main chain: JSON-RPC URL or Hardhat network name")
  .addParam("product", "Product chain: JSON-RPC URL or Hardhat network name")
  .addOptionalParam("keystoreDir", "Folder of the keystores", "keystores")
  .addOptionalParam("keystore", "Keystore file (overrides --keystore-dir)")
  .addOptionalParam("passwordEnv", "Environment variable with the keystore password (else a prompt)", "RELAYER_PASSWORD")
  .addOptionalParam("hsmToken", "Label of the HSM token holding the signer's key (instead of a keystore; docs/keys.md)")
  .addOptionalParam("hsmKey", "Label of the key in the token (default relayer-<signer>)")
  .addOptionalParam("hsmPinEnv", "Environment variable with the token's user PIN (default HSM_PIN)")
  .addOptionalParam("hsmModule", "PKCS#11 module (default SoftHSM2's)")
  .addOptionalParam("mainBridge", "MainBridge address (default: from the main chain's manifest)")
  .addOptionalParam("productBridge", "ProductBridge address (default: from the product chain's manifest)")
  .addOptionalParam("ownerSync", "NodeOwnerSync on the product chain: also carry the main chain's node-owner swaps (default: from the product chain's manifest when it has one)")
  .addOptionalParam("chainRegistry", "ProductChainRegistry on the main chain, for the node-owner swaps (default: from the main chain's manifest)")
  .addOptionalParam("mainManifest", "Manifest of the main chain (default: deployments/<network>.json or the one for its chain id)")
  .addOptionalParam("productManifest", "Manifest of the product chain")
  .addOptionalParam("confirmations", "Blocks an event must be buried under before it is confirmed", "3")
  .addOptionalParam("pollInterval", "Milliseconds between polls of an idle chain", "1000")
  .addOptionalParam("stateDir", "Folder of the cursor files", ".luniverse/relayer")
  .addOptionalParam("metricsPort", "Serve Prometheus metrics on this port (GET /metrics)")
  .addOptionalParam("mainStartBlock", "First main-chain block to scan when there is no cursor", "0")
  .addOptionalParam("productStartBlock", "First product-chain block to scan when there is no cursor", "0")
  .setAction(async (args: Record<string, string | undefined>, hre) => {
    const main = resolveEndpoint(hre, "main", args.main!);
    const product = resolveEndpoint(hre, "product", args.product!);
    const raw: RawRelayerOptions = {
      signer: args.signer,
      mainRpc: main.url,
      productRpc: product.url,
      keystoreDir: args.keystoreDir,
      keystore: args.keystore,
      passwordEnv: args.passwordEnv,
      hsmToken: args.hsmToken,
      hsmKey: args.hsmKey,
      hsmPinEnv: args.hsmPinEnv,
      hsmModule: args.hsmModule,
      mainBridge: args.mainBridge,
      productBridge: args.productBridge,
      ownerSync: args.ownerSync,
      chainRegistry: args.chainRegistry,
      mainManifest: args.mainManifest ?? main.manifest,
      productManifest: args.productManifest ?? product.manifest,
      deploymentsDir: deploymentsDir(),
      confirmations: args.confirmations,
      pollIntervalMs: args.pollInterval,
      stateDir: args.stateDir,
      metricsPort: args.metricsPort,
      mainStartBlock: args.mainStartBlock,
      productStartBlock: args.productStartBlock,
    };
    // the relayer's errors (options, keystore, chain, cursor, metrics port) end the task with their message
    const relayer = new Relayer(resolveRelayerOptions(raw));
    await relayer.init();
    const stop = (): void => void relayer.stop().then(() => process.exit(0));
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    await relayer.run();
  });

task("bridge:keystore", "Writes encrypted JSON keystores for the bridge signers (never a plain key on disk)")
  .addParam("out", "Folder to write signer-<n>.json into")
  .addOptionalParam("count", "How many signers (from the dev mnemonic)", 6, types.int)
  .addOptionalParam("first", "Account index of signer 1 in the network's mnemonic (deploy/config.ts uses 10..15)", 10, types.int)
  .addOptionalParam("keyEnv", "Environment variable holding ONE private key to encrypt instead (written as signer-<index>.json)")
  .addOptionalParam("index", "Signer number for --key-env", 1, types.int)
  .addOptionalParam("passwordEnv", "Environment variable with the password (else a prompt)", "RELAYER_PASSWORD")
  .addOptionalParam("scryptN", "scrypt cost N (default 131072, ethers' default; lower only for tests)", 131072, types.int)
  .addFlag("force", "Overwrite existing keystores")
  .setAction(
    async (args: { out: string; count: number; first: number; keyEnv?: string; index: number; passwordEnv: string; scryptN: number; force: boolean }, hre) => {
      if (!Number.isInteger(args.count) || args.count < 1 || args.count > 32) throw new TaskError(`--count must be 1..32, got ${args.count}`);
      if (!Number.isInteger(args.index) || args.index < 1) throw new TaskError(`--index must be a positive integer, got ${args.index}`);
      if (!Number.isInteger(args.scryptN) || args.scryptN < 2 || (args.scryptN & (args.scryptN - 1)) !== 0) {
        throw new TaskError(`--scrypt-n must be a power of two, got ${args.scryptN}`);
      }
      const keys: { n: number; wallet: Wallet | HDNodeWallet }[] = [];
      if (args.keyEnv) {
        const key = process.env[args.keyEnv];
        if (!key) throw new TaskError(`--key-env ${args.keyEnv}: the environment variable is not set`);
        try {
          keys.push({ n: args.index, wallet: new Wallet(key) });
        } catch {
          throw new TaskError(`--key-env ${args.keyEnv} does not hold a valid private key (0x + 64 hex digits)`);
        }
      } else {
        const accounts = hre.config.networks.hardhat.accounts;
        if (Array.isArray(accounts)) throw new TaskError("the hardhat network has no mnemonic configured; use --key-env to encrypt given keys");
        for (let i = 0; i < args.count; i++) {
          keys.push({ n: i + 1, wallet: HDNodeWallet.fromPhrase(accounts.mnemonic, accounts.passphrase, `${accounts.path}/${args.first + i}`) });
        }
      }
      const password = await resolvePassword(`the keystores in ${args.out}`, { passwordEnv: args.passwordEnv });
      if (password.length < 8) throw new TaskError("the keystore password must have at least 8 characters");
      mkdirSync(args.out, { recursive: true, mode: 0o700 });
      const written: { signer: number; address: string; file: string }[] = [];
      for (const { n, wallet } of keys) {
        const file = path.join(args.out, `signer-${n}.json`);
        if (existsSync(file) && !args.force) throw new TaskError(`${file} exists; pass --force to overwrite`);
        const json = await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, password, { scrypt: { N: args.scryptN } });
        writeFileSync(file, json, { mode: 0o600 });
        written.push({ signer: n, address: wallet.address, file });
      }
      console.table(written);
      return written;
    },
  );

task("deploy:product-chain", "Deploys the product-chain side (ProductBridge, ProductToken, ProductTokenFactory) and writes deployments/<network>.json")
  .addOptionalParam("systemConfig", "JSON file overriding deploy/config.ts defaults (bridgeSigners, bridgeThreshold)")
  .addOptionalParam("admin", "Governance of the product chain's contracts (default: the deployer keeps it)")
  .addOptionalParam("pauser", "PAUSER_ROLE holder (default: the admin)")
  .addOptionalParam("manifestName", "Manifest name (default: the network's name)")
  .addFlag("reset", "Ignore the existing manifest and deploy anew")
  .addFlag("quiet", "Print only the manifest path")
  .setAction(async (args: { systemConfig?: string; admin?: string; pauser?: string; manifestName?: string; reset: boolean; quiet: boolean }, hre) => {
    // a ConfigError names the key; the task boundary prints it without a stack
    const config = args.systemConfig ? loadConfigFile(args.systemConfig) : resolveConfig();
    const admin = args.admin ? parseAddress("admin", args.admin) : undefined;
    const pauser = args.pauser ? parseAddress("pauser", args.pauser) : undefined;
    const result = await explainRevert("deploy:product-chain", () =>
      deployProductChain(hre, {
        config,
        admin,
        pauser,
        reset: args.reset,
        manifestDir: deploymentsDir(),
        manifestNetwork: args.manifestName,
        log: args.quiet ? undefined : (line) => console.log(line),
      }),
    );
    if (args.quiet) {
      console.log(result.file);
    } else {
      console.log(`\nproduct chain ${result.manifest.chainId} (${result.manifest.network}), manifest ${result.file}`);
      console.table(Object.values(result.manifest.contracts).map((c) => ({ contract: c.name, address: c.address, proxy: c.proxyKind })));
      console.log(`admin (governance): ${result.admin}\nbridge signers (${result.bridgeSigners.length}): ${result.bridgeSigners.join(", ")}`);
    }
    return result.manifest;
  });
