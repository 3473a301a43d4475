import path from "node:path";
import { task } from "./lib/task";
import { TaskError } from "./lib/errors";
import { parseAddress, parseAddressList, parseInteger } from "../lib/args";
import { deploymentsDir, loadDeployment } from "./lib/system";
import { createLogger, isLogLevel } from "../lib/log";
import { connect } from "../lib/chain";
import { loadAnchorKey } from "../services/anchor/registry";
import { runAnchor, validateRunAnchorOptions, type RunAnchorOptions } from "../services/anchor/runAnchor";
import { TAMPERABLE_FIELDS, verifyAnchoredBlock, type TamperableField } from "../services/anchor/verifyAnchoredBlock";
import { deployAnchorRegistry } from "../services/anchor/deployRegistry";
import type { AnchorRegistry, LuniverseGovernor } from "../typechain-types";
import { anchorerAction } from "../ops/governance/proposalActions";
import { propose } from "../ops/governance/propose";

function parseUrl(flag: string, value: string | undefined): string {
  if (value === undefined || value === "") throw new TaskError(`--${flag} is required: the chain's JSON-RPC URL (e.g. http://127.0.0.1:8545)`);
  if (!/^https?:\/\/\S+$/.test(value)) throw new TaskError(`--${flag} must be an http(s) JSON-RPC URL, got "${value}"`);
  return value;
}

function parseBounded(flag: string, value: string, min: bigint, max: bigint): number {
  const n = parseInteger(flag, value);
  if (n < min || n > max) throw new TaskError(`--${flag} must be between ${min} and ${max}, got ${n}`);
  return Number(n);
}

function parseOptionalBounded(flag: string, value: string | undefined, min: bigint, max: bigint): number | undefined {
  return value === undefined || value === "" ? undefined : parseBounded(flag, value, min, max);
}

interface KeyArgs {
  keystore?: string;
  passwordEnv?: string;
  devAccount?: string;
  hsmToken?: string;
  hsmKey?: string;
  hsmPinEnv?: string;
  hsmModule?: string;
}

function keyOptions(args: KeyArgs): RunAnchorOptions["key"] {
  if ([args.keystore, args.devAccount, args.hsmToken].filter((x) => x !== undefined && x !== "").length > 1) throw new TaskError("give one key: --keystore, --dev-account or --hsm-token");
  if (args.hsmToken) {
    if (!args.hsmKey) throw new TaskError("--hsm-token needs --hsm-key (the label of the anchorer's key in the token)");
    return { hsm: { token: args.hsmToken, key: args.hsmKey, pinEnv: args.hsmPinEnv, module: args.hsmModule } };
  }
  return {
    keystore: args.keystore,
    passwordEnv: args.passwordEnv,
    devAccount: parseOptionalBounded("dev-account", args.devAccount, 0n, 1000n),
  };
}

task("anchor:run", "Anchors a child chain's blocks into a parent chain's AnchorRegistry, every N blocks (runs until Ctrl-C)")
  .addParam("child", "Child chain JSON-RPC URL (blocks are read from it)")
  .addParam("parent", "Parent chain JSON-RPC URL (the registry lives there)")
  .addOptionalParam("every", "Blocks per anchored range", "10")
  .addOptionalParam("confirmations", "Blocks built on top of a block before it is anchored", "2")
  .addOptionalParam("registry", "AnchorRegistry address on the parent (default: from --manifest or a manifest of the parent chain)")
  .addOptionalParam("manifest", "Deployment manifest recording the AnchorRegistry")
  .addOptionalParam("keystore", "Encrypted JSON keystore of the anchorer")
  .addOptionalParam("passwordEnv", "Environment variable with the keystore password", "KEYSTORE_PASSWORD")
  .addOptionalParam("devAccount", "Index of a development account (Hardhat/anvil mnemonic) when there is no keystore")
  .addOptionalParam("hsmToken", "Label of the HSM token holding the anchorer's key (docs/keys.md)")
  .addOptionalParam("hsmKey", "Label of the anchorer's key in the token")
  .addOptionalParam("hsmPinEnv", "Environment variable with the token's user PIN (default HSM_PIN)")
  .addOptionalParam("hsmModule", "PKCS#11 module (default SoftHSM2's)")
  .addOptionalParam("cursor", "Durable cursor file (default data/anchor/<child>-to-<parent>.json)")
  .addOptionalParam("pollMs", "Milliseconds between polls of the child's head", "1000")
  .addOptionalParam("metricsPort", "Serve Prometheus metrics on this port (0: any free port)")
  .addOptionalParam("metricsHost", "Host of the metrics server", "127.0.0.1")
  .addOptionalParam("maxRanges", "Stop after anchoring this many ranges")
  .addOptionalParam("name", "Label in logs and metrics (phase1, phase2 …)", "anchor")
  .addOptionalParam("logLevel", "debug | info | warn | error", "info")
  .setAction(
    async (
      args: {
        child: string; parent: string; every: string; confirmations: string; registry?: string; manifest?: string; cursor?: string;
        pollMs: string; metricsPort?: string; metricsHost: string; maxRanges?: string; name: string; logLevel: string;
      } & KeyArgs,
    ) => {
      const childUrl = parseUrl("child", args.child);
      const parentUrl = parseUrl("parent", args.parent);
      if (childUrl === parentUrl) throw new TaskError("--child and --parent are the same URL: a chain cannot anchor into itself");
      if (!isLogLevel(args.logLevel)) throw new TaskError(`--log-level must be debug, info, warn or error, got "${args.logLevel}"`);
      if (args.registry !== undefined) parseAddress("registry", args.registry);
      const options: RunAnchorOptions = {
        childUrl,
        parentUrl,
        every: parseBounded("every", args.every, 1n, 65_536n),
        confirmations: parseBounded("confirmations", args.confirmations, 0n, 10_000n),
        registry: { registry: args.registry, manifest: args.manifest, deploymentsDir: deploymentsDir() },
        key: keyOptions(args),
        cursorFile: args.cursor,
        pollMs: parseBounded("poll-ms", args.pollMs, 10n, 3_600_000n),
        metricsPort: parseOptionalBounded("metrics-port", args.metricsPort, 0n, 65_535n),
        metricsHost: args.metricsHost,
        maxRanges: parseOptionalBounded("max-ranges", args.maxRanges, 1n, BigInt(Number.MAX_SAFE_INTEGER)),
        name: args.name,
        logger: createLogger("anchor", { level: args.logLevel, fields: { phase: args.name } }),
      };
      validateRunAnchorOptions(options);
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      try {
        return await runAnchor({ ...options, signal: controller.signal });
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
    },
  );

task("anchor:verify", "Proves that a child block is inside a range anchored on the parent chain")
  .addParam("child", "Child chain JSON-RPC URL")
  .addParam("parent", "Parent chain JSON-RPC URL")
  .addParam("block", "Child block number")
  .addOptionalParam("registry", "AnchorRegistry address on the parent (default: from --manifest or a manifest of the parent chain)")
  .addOptionalParam("manifest", "Deployment manifest recording the AnchorRegistry")
  .addOptionalParam("tamper", `Alter this field before proving (${TAMPERABLE_FIELDS.join(" | ")}): the proof must then fail`)
  .addOptionalParam("expectedHash", "Prove the block under this hash (the one you expect) instead of the child's")
  .setAction(
    async (args: { child: string; parent: string; block: string; registry?: string; manifest?: string; tamper?: string; expectedHash?: string }) => {
      const childUrl = parseUrl("child", args.child);
      const parentUrl = parseUrl("parent", args.parent);
      const block = parseInteger("block", args.block);
      if (args.registry !== undefined) parseAddress("registry", args.registry);
      if (args.tamper !== undefined && !(TAMPERABLE_FIELDS as readonly string[]).includes(args.tamper)) {
        throw new TaskError(`--tamper must be one of ${TAMPERABLE_FIELDS.join(", ")}, got "${args.tamper}"`);
      }
      if (args.expectedHash !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(args.expectedHash)) {
        throw new TaskError(`--expected-hash must be 0x + 64 hex digits, got "${args.expectedHash}"`);
      }
      const r = await verifyAnchoredBlock({
        childUrl,
        parentUrl,
        block,
        registry: { registry: args.registry, manifest: args.manifest, deploymentsDir: deploymentsDir() },
        tamper: args.tamper as TamperableField | undefined,
        expectedHash: args.expectedHash,
      });
      console.log(
        `block ${block} of chain ${r.childChainId} VERIFIED: inside range #${r.range.index} [${r.range.start}..${r.range.end}] ` +
          `anchored on chain ${r.parentChainId} (registry ${r.registry})\n` +
          `  hash ${r.claimed.hash}\n  stateRoot ${r.claimed.stateRoot}\n  receiptsRoot ${r.claimed.receiptsRoot}\n` +
          `  root ${r.range.root}\n  proof (${r.proof.length}) ${r.proof.join(",")}`,
      );
      return r;
    },
  );

task("anchor:deploy", "Deploys an AnchorRegistry on a parent chain given by URL (e.g. the Ethereum side of phase 2)")
  .addParam("parent", "Parent chain JSON-RPC URL")
  .addOptionalParam("admin", "Who governs the registry afterwards (default: the deployer)")
  .addOptionalParam("childChainId", "Register this child chain")
  .addOptionalParam("startBlock", "First child block anchoring covers", "0")
  .addOptionalParam("anchorer", "Comma-separated anchorers of the child (default: the deployer)")
  .addOptionalParam("keystore", "Encrypted JSON keystore of the deployer")
  .addOptionalParam("passwordEnv", "Environment variable with the keystore password", "KEYSTORE_PASSWORD")
  .addOptionalParam("devAccount", "Index of a development account (Hardhat/anvil mnemonic) when there is no keystore")
  .addOptionalParam("out", "Manifest file to record it in (default <deployments>/anchor-<chainId>.json)")
  .setAction(
    async (args: { parent: string; admin?: string; childChainId?: string; startBlock: string; anchorer?: string; out?: string } & KeyArgs) => {
      const parentUrl = parseUrl("parent", args.parent);
      const admin = args.admin === undefined ? undefined : parseAddress("admin", args.admin);
      const childChainId = args.childChainId === undefined ? undefined : parseInteger("child-chain-id", args.childChainId);
      if (childChainId === 0n) throw new TaskError("--child-chain-id must not be 0");
      const startBlock = parseInteger("start-block", args.startBlock);
      if (args.anchorer !== undefined && childChainId === undefined) throw new TaskError("--anchorer needs --child-chain-id: anchorers are per child chain");
      const listed = args.anchorer === undefined ? undefined : parseAddressList("anchorer", args.anchorer);
      const key = keyOptions(args);
      const { provider, chainId } = await connect(parentUrl, { name: "parent chain", pollingIntervalMs: 250 });
      try {
        const deployer = (await loadAnchorKey(key ?? {})).connect(provider);
        const anchorers = listed ?? [deployer.address];
        const out = args.out ?? path.join(deploymentsDir(), `anchor-${chainId}.json`);
        const r = await deployAnchorRegistry({
          deployer,
          admin,
          children: childChainId === undefined ? [] : [{ chainId: childChainId, startBlock, anchorers }],
          manifestFile: out,
          network: `anchor-${chainId}`,
          log: (l) => console.log(l),
        });
        return { address: r.address, implementation: r.implementation, chainId: r.chainId, manifest: out };
      } finally {
        provider.destroy();
      }
    },
  );

task("anchor:authorize", "Proposes (governance) authorising or removing an anchorer of a child chain; registers the child first if needed")
  .addParam("childChainId", "Child chain id")
  .addParam("anchorer", "Anchorer address")
  .addFlag("remove", "Remove the anchorer instead of authorising it")
  .addOptionalParam("startBlock", "First block of the child's anchoring, when the proposal also registers the child", "0")
  .addOptionalParam("from", "Account index or address of the proposing validator", "0")
  .setAction(async (args: { childChainId: string; anchorer: string; remove: boolean; startBlock: string; from: string }, hre) => {
    const chainId = parseInteger("child-chain-id", args.childChainId);
    if (chainId === 0n) throw new TaskError("--child-chain-id must not be 0");
    const anchorer = parseAddress("anchorer", args.anchorer);
    const startBlock = parseInteger("start-block", args.startBlock);
    if (startBlock >= 2n ** 64n) throw new TaskError(`--start-block must be below 2^64, got ${startBlock}`);
    const { signer, at } = await loadDeployment(hre, args.from);
    const registry = await (await at<AnchorRegistry>("AnchorRegistry")).getAddress();
    const governor = await (await at<LuniverseGovernor>("LuniverseGovernor")).getAddress();
    const { calls, description } = await anchorerAction(hre.ethers.provider, { registry, chainId, anchorer, remove: args.remove, startBlock });
    const { proposalId } = await propose(signer, { governor, targets: calls.map((c) => c.target), calldatas: calls.map((c) => c.data), description, what: "anchor:authorize" });
    console.log(`proposal ${proposalId}\n  ${description}\n  validators vote with gov:vote --id ${proposalId}; then gov:execute`);
    return { proposalId, description };
  });
