/**
 * `npm start`: the whole platform on one machine. Builds (or reuses) the genesis files, starts the main chain (1 or
 * 4 validator processes), the gas-free product chain (1 validator process, or its 4 node owners') and anvil as
 * Ethereum, deploys and registers what is missing, starts six relayers and both anchoring phases, the gateway, the
 * indexer and the web console, prints the endpoints and keeps a live status line until Ctrl-C.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { bootstrapContracts, ensureGenesis, provider, type Log } from "./bootstrap";
import { DEV_KEYSTORE_PASSWORD, DevnetError, ETHEREUM_CHAIN_ID, MAIN_CHAIN_ID, PRODUCT_CHAIN_ID, ROLES, consoleUrl, devWallet, devnetPaths, ethereumRpcUrl, gatewayUrl, indexerUrl, mainRpcUrl, productRpcUrl, productRpcUrls, type DevnetOptions, type DevnetPaths } from "./config";
import { consoleSpec, ensureConsoleBuilt, indexerSpec } from "./console";
import { DEVNET_TOKEN, HSM_KEYS, ensureHsm, hsmEnv, hsmPaths, signerSpec, signerUrl, softhsmInstalled } from "./hsm";
import { writeState } from "./state";
import { ensureDevKey, gatewaySpec } from "./gateway";
import { StatusPoller, formatStatus } from "./status";
import { Supervisor, type ChildSpec } from "./supervisor";
import type { DevnetState } from "./state";

export interface DevnetHandle {
  supervisor: Supervisor;
  state: DevnetState;
  /** Stops every child and the status line; resolves when all have exited. */
  stop(): Promise<void>;
  /** Resolves with the exit code once the devnet has stopped (Ctrl-C: 0; a critical child that gave up: 1). */
  done: Promise<number>;
}

export interface RunDevnetOptions {
  /** Progress and table output (default console.log). */
  out?: (text: string) => void;
  /** Install SIGINT/SIGTERM handlers that stop everything and exit (default true). */
  handleSignals?: boolean;
  /** Where the status line goes (default process.stdout). */
  statusStream?: NodeJS.WriteStream;
}

const TS_NODE = ["-r", "ts-node/register/transpile-only"];

function anvilBinary(root: string): { command: string; args: string[] } {
  const platform = `${process.platform === "win32" ? "win32" : process.platform}-${process.arch === "x64" ? "amd64" : process.arch}`;
  const bin = path.join(root, "node_modules", "@foundry-rs", `anvil-${platform}`, "bin", process.platform === "win32" ? "anvil.exe" : "anvil");
  if (existsSync(bin)) return { command: bin, args: [] };
  return { command: "npx", args: ["--no-install", "anvil"] };
}

async function rpcAnswers(url: string, method = "eth_chainId"): Promise<boolean> {
  try {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: [] }), signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { result?: unknown };
    return body.result !== undefined;
  } catch {
    return false;
  }
}

/** Node configuration files and process specs of the chains. */
function chainSpecs(o: DevnetOptions, p: DevnetPaths): ChildSpec[] {
  // with the HSM, the first main-chain validator signs its votes in the token; the others keep development keys
  const specs: ChildSpec[] = [];
  const mainP2p = Array.from({ length: o.validators }, (_, i) => o.p2pPort + i);
  mkdirSync(path.dirname(p.nodeConfig("x")), { recursive: true });
  const node = (name: string, genesis: string, rpcPort: number, p2pPort: number, peers: number[], account: number, hsmKey?: string): ChildSpec => {
    const file = p.nodeConfig(name);
    writeFileSync(
      file,
      JSON.stringify(
        {
          genesis,
          dataDir: p.nodeData(name),
          rpc: { host: "127.0.0.1", port: rpcPort },
          p2p: { host: "127.0.0.1", port: p2pPort, peers: peers.map((q) => `ws://127.0.0.1:${q}`) },
          // development only: the validator key of dev account `account` comes in this environment variable
          validator: hsmKey ? { pkcs11: { token: DEVNET_TOKEN, key: hsmKey, pinEnv: "HSM_PIN" } } : { privateKeyEnv: "LUNIVERSE_DEVNET_VALIDATOR_KEY" },
        },
        null,
        2,
      ) + "\n",
    );
    return {
      name,
      command: process.execPath,
      args: [...TS_NODE, "node/cli.ts", "--config", file],
      cwd: o.root,
      env: hsmKey ? { ...hsmEnv(p), TS_NODE_TRANSPILE_ONLY: "1" } : { LUNIVERSE_DEVNET_VALIDATOR_KEY: devWallet(account).privateKey, TS_NODE_TRANSPILE_ONLY: "1" },
      readyLine: /"event":"ready"/,
      readyTimeoutMs: 120_000,
    };
  };
  for (let i = 0; i < o.validators; i++) {
    specs.push(node(`main-${i + 1}`, p.mainGenesis, o.mainPort + i, mainP2p[i]!, mainP2p.filter((_, j) => j !== i), ROLES.validators[i]!, o.hsm && i === 0 ? HSM_KEYS.validator : undefined));
  }
  // the product chain: one validator (account 1), or its four node owners (accounts 1–4), p2p ports after the main chain's
  const productP2p = Array.from({ length: o.productValidators }, (_, i) => o.p2pPort + o.validators + i);
  for (let i = 0; i < o.productValidators; i++) {
    const name = o.productValidators === 1 ? "product" : `product-${i + 1}`;
    specs.push(node(name, p.productGenesis, o.productPort + i, productP2p[i]!, productP2p.filter((_, j) => j !== i), ROLES.validators[i]!));
  }
  mkdirSync(path.dirname(p.anvilState), { recursive: true });
  const anvil = anvilBinary(o.root);
  const url = ethereumRpcUrl(o);
  specs.push({
    name: "ethereum",
    command: anvil.command,
    args: [...anvil.args, "--host", "127.0.0.1", "--port", String(o.ethereumPort), "--chain-id", String(ETHEREUM_CHAIN_ID), "--accounts", "20", "--state", p.anvilState, "--state-interval", "5", "--silent"],
    cwd: o.root,
    probe: () => rpcAnswers(url),
    readyTimeoutMs: 60_000,
  });
  return specs;
}

/**
 * Relayer and anchoring process specs (after the bootstrap). With four product validators the relayers also carry the
 * node owners' swaps: the main chain's ProductChainRegistry and the product chain's NodeOwnerSync are named explicitly
 * (both are in the manifests of --deployments-dir too).
 */
function serviceSpecs(o: DevnetOptions, p: DevnetPaths, state: DevnetState): ChildSpec[] {
  const specs: ChildSpec[] = [];
  const ownerSync = o.productValidators === 4 ? ["--owner-sync", state.product!.NodeOwnerSync!, "--chain-registry", state.main!.ProductChainRegistry!] : [];
  for (let n = 1; n <= 6; n++) {
    specs.push({
      name: `relayer-${n}`,
      command: process.execPath,
      args: [
        ...TS_NODE,
        "services/relayer/main.ts",
        "--signer", String(n),
        "--main-rpc", mainRpcUrl(o),
        "--product-rpc", productRpcUrl(o),
        "--main-bridge", state.main!.MainBridge!,
        "--product-bridge", state.product!.ProductBridge!,
        ...ownerSync,
        ...(o.hsm ? ["--hsm-token", DEVNET_TOKEN] : ["--keystore-dir", p.keystores]),
        "--state-dir", p.relayerState,
        "--deployments-dir", p.deployments,
        "--confirmations", "2",
        "--poll-interval-ms", "500",
        "--max-backoff-ms", "5000",
        "--metrics-port", String(o.metricsPort + n - 1),
      ],
      cwd: o.root,
      env: o.hsm ? { ...hsmEnv(p), TS_NODE_TRANSPILE_ONLY: "1" } : { RELAYER_PASSWORD: DEV_KEYSTORE_PASSWORD, TS_NODE_TRANSPILE_ONLY: "1" },
      readyLine: /relayer started/,
    });
  }
  const a = state.anchoring!;
  const anchor = (name: string, child: string, parent: string, registry: string, account: number, every: number, metrics: number): ChildSpec => ({
    name,
    command: process.execPath,
    args: [
      ...TS_NODE, "devnet/anchorMain.ts", "--child", child, "--parent", parent, "--registry", registry,
      ...(o.hsm ? ["--hsm-token", DEVNET_TOKEN, "--hsm-key", name === "phase1" ? HSM_KEYS.anchorPhase1 : HSM_KEYS.anchorPhase2] : ["--dev-account", String(account)]),
      "--every", String(every), "--confirmations", "1", "--poll-ms", "1000", "--cursor", p.anchorCursor(name), "--metrics-port", String(metrics), "--name", name,
    ],
    cwd: o.root,
    env: o.hsm ? { ...hsmEnv(p), TS_NODE_TRANSPILE_ONLY: "1" } : { TS_NODE_TRANSPILE_ONLY: "1" },
    readyLine: /"event":"ready"/,
  });
  specs.push(anchor("phase1", productRpcUrl(o), mainRpcUrl(o), a.phase1Registry, ROLES.anchorerPhase1, 10, o.metricsPort + 6));
  specs.push(anchor("phase2", mainRpcUrl(o), ethereumRpcUrl(o), a.phase2Registry!, ROLES.anchorerPhase2, 20, o.metricsPort + 7));
  return specs;
}

/** The table printed once everything is up. */
export function formatTable(o: DevnetOptions, p: DevnetPaths, state: DevnetState): string {
  const lines: string[] = [];
  const row = (cells: string[], widths: number[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  lines.push("", `Luniverse devnet (data ${o.dataDir})`, "");
  const ep: string[][] = [["endpoint", "chain id", "JSON-RPC", "WebSocket"]];
  for (let i = 0; i < o.validators; i++) ep.push([`main chain, validator ${i + 1}`, String(MAIN_CHAIN_ID), `http://127.0.0.1:${o.mainPort + i}`, `ws://127.0.0.1:${o.mainPort + i}`]);
  if (o.productValidators === 1) ep.push(["product chain (gas-free)", String(PRODUCT_CHAIN_ID), productRpcUrl(o), `ws://127.0.0.1:${o.productPort}`]);
  else productRpcUrls(o).forEach((url, i) => ep.push([`product chain (gas-free), node ${i + 1}`, String(PRODUCT_CHAIN_ID), url, url.replace(/^http/, "ws")]));
  ep.push(["Ethereum (anvil)", String(ETHEREUM_CHAIN_ID), ethereumRpcUrl(o), `ws://127.0.0.1:${o.ethereumPort}`]);
  const key = state.gateway?.devKey;
  if (key !== undefined) {
    const gw = gatewayUrl(o);
    ep.push([`gateway → main chain`, String(MAIN_CHAIN_ID), `${gw}/v1/${MAIN_CHAIN_ID}/${key}`, `${gw.replace(/^http/, "ws")}/v1/${MAIN_CHAIN_ID}/${key}`]);
    ep.push([`gateway → product chain`, String(PRODUCT_CHAIN_ID), `${gw}/v1/${PRODUCT_CHAIN_ID}/${key}`, `${gw.replace(/^http/, "ws")}/v1/${PRODUCT_CHAIN_ID}/${key}`]);
    ep.push([`gateway → Ethereum`, String(ETHEREUM_CHAIN_ID), `${gw}/v1/${ETHEREUM_CHAIN_ID}/${key}`, `${gw.replace(/^http/, "ws")}/v1/${ETHEREUM_CHAIN_ID}/${key}`]);
  }
  ep.push(["web console", "", consoleUrl(o), ""]);
  ep.push(["indexer API", "", `${indexerUrl(o)}/api/v1`, ""]);
  if (o.hsm) ep.push(["signer (wallets, tx API)", "", `${signerUrl(o)}/openapi.json`, ""]);
  const w1 = [0, 1, 2, 3].map((i) => Math.max(...ep.map((r) => r[i]!.length)));
  for (const r of ep) lines.push(row(r, w1));
  lines.push("", "contracts");
  const c: string[][] = [];
  for (const name of ["ValidatorSet", "LuniverseGovernor", "LuniverseTimelock", "MainTokenFactory", "MainBridge", "AnchorRegistry", "StakingToken"]) {
    if (state.main?.[name]) c.push([`main`, name, state.main[name]!]);
  }
  if (o.productValidators === 4 && state.main?.ProductChainRegistry) c.push(["main", `ProductChainRegistry (chain ${PRODUCT_CHAIN_ID}, 4 node owners)`, state.main.ProductChainRegistry]);
  for (const [name, addr] of Object.entries(state.product ?? {})) c.push(["product", name, addr]);
  if (state.anchoring?.phase2Registry) c.push(["ethereum", "AnchorRegistry (phase 2)", state.anchoring.phase2Registry]);
  if (state.sample) {
    c.push(["main", "sample main token LSMP", state.sample.mainToken]);
    c.push(["product", `sample product token PSMP (1:${state.sample.ratio})`, state.sample.productToken]);
    c.push(["both", "sample pair id", state.sample.pairId]);
  }
  const w2 = [0, 1, 2].map((i) => Math.max(...c.map((r) => r[i]!.length)));
  for (const r of c) lines.push("  " + row(r, w2));
  lines.push("", "development accounts (mnemonic \"test test … junk\", 1,000,000 ETH-equivalent on every chain; local use only)");
  const roles: [string, number[]][] = [
    ["deployer, consortium partner, sample token holder", [ROLES.deployer]],
    ["main-chain validator", ROLES.validators.slice(0, o.validators)],
    [o.productValidators === 4 ? "product-chain node owner (validator)" : "product-chain validator", ROLES.validators.slice(0, o.productValidators)],
    ["bridge signer (relayers 1–6)", [...ROLES.signers]],
    ["product developer", [ROLES.productDeveloper]],
    ["anchorer (phase 1, phase 2)", [ROLES.anchorerPhase1, ROLES.anchorerPhase2]],
    ["user", [ROLES.user]],
  ];
  if (o.hsm) {
    lines.splice(lines.length - 1, 1, "development accounts (mnemonic \"test test … junk\", 1,000,000 ETH-equivalent on every chain; local use only; relayers, validator 1 and the anchorers sign with their copies in the SoftHSM2 token \"devnet\")");
  }
  // one line per account, its roles together (the main chain's validators also own the product chain's nodes)
  const byAccount = new Map<number, string[]>();
  for (const [role, idx] of roles) for (const i of idx) byAccount.set(i, [...(byAccount.get(i) ?? []), role]);
  for (const [i, accountRoles] of byAccount) {
    const w = devWallet(i);
    lines.push(`  #${String(i).padEnd(2)} ${w.address}  ${w.privateKey}  ${accountRoles.join("; ")}`);
  }
  lines.push(
    "",
    `gateway admin API ${gatewayUrl(o)}/admin/v1 (export GATEWAY_ADMIN_TOKEN=$(cat ${p.gatewayAdminToken})), metrics ${gatewayUrl(o)}/metrics; key of DApp "sample-dapp" in the URLs above`,
    `relayer metrics http://127.0.0.1:${o.metricsPort}..${o.metricsPort + 5}/metrics, anchoring ${o.metricsPort + 6}, ${o.metricsPort + 7}; logs in ${p.logs}`,
    `tasks: LUNIVERSE_RPC_URL=${mainRpcUrl(o)} LUNIVERSE_PRODUCT_RPC_URL=${productRpcUrl(o)} LUNIVERSE_DEPLOYMENTS_DIR=${p.deployments} npx hardhat <task> --network luniverse`,
    `demo:  npm run demo${o.dataDir === path.resolve(o.root, ".luniverse/devnet") ? "" : ` -- --data-dir ${o.dataDir}`}`,
    "DEVNET READY — Ctrl-C stops everything",
    "",
  );
  return lines.join("\n");
}

/** Waits until the chain at `url` makes a block (its validators see each other); returns the height it started from. */
async function blockAfterStart(url: string, chainId: number, timeoutMessage: string): Promise<number> {
  const chain = provider(url, chainId);
  try {
    const start = await chain.getBlockNumber();
    const deadline = Date.now() + 60_000;
    while ((await chain.getBlockNumber()) <= start) {
      if (Date.now() > deadline) throw new DevnetError("DEVNET_NO_BLOCKS", timeoutMessage);
      await new Promise((r) => setTimeout(r, 300));
    }
    return start;
  } finally {
    chain.destroy();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function runDevnet(o: DevnetOptions, run: RunDevnetOptions = {}): Promise<DevnetHandle> {
  const out = run.out ?? ((t: string) => console.log(t));
  const p = devnetPaths(o.dataDir);
  const t0 = Date.now();
  const log: Log = (line) => out(`[devnet +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);

  // one devnet per data folder
  if (existsSync(p.lock)) {
    const pid = Number(readFileSync(p.lock, "utf8").trim());
    if (pid && pid !== process.pid && isAlive(pid)) throw new DevnetError("DEVNET_RUNNING", `a devnet (pid ${pid}) is already running on ${o.dataDir}; stop it first (Ctrl-C in its terminal, or kill -INT ${pid})`);
  }
  if (o.reset) {
    log(`--reset: deleting ${o.dataDir}`);
    rmSync(o.dataDir, { recursive: true, force: true });
  }
  mkdirSync(p.logs, { recursive: true });
  writeFileSync(p.lock, `${process.pid}\n`);

  const supervisor = new Supervisor({ logDir: p.logs, stopTimeoutMs: 10_000 });
  let statusTimer: NodeJS.Timeout | undefined;
  let stopped: Promise<void> | undefined;
  let resolveDone: (code: number) => void = () => undefined;
  const done = new Promise<number>((r) => (resolveDone = r));
  const stream = run.statusStream ?? process.stdout;
  const tty = stream.isTTY === true;
  let exitCode = 0;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (statusTimer) clearInterval(statusTimer);
      if (tty) stream.write("\n");
      log("stopping: relayers and anchoring first, then the chains");
      await supervisor.stopAll(["console", "indexer", "signer", "gateway", "relayer-1", "relayer-2", "relayer-3", "relayer-4", "relayer-5", "relayer-6", "phase1", "phase2"]);
      rmSync(p.lock, { force: true });
      rmSync(path.join(o.dataDir, "endpoints.json"), { force: true });
      log("stopped; every child process has exited");
      resolveDone(exitCode);
    })();
    return stopped;
  };
  const critical = new Set<string>();
  supervisor.on("exit", (name: string, code: number | null, signal: string | null) => log(`${name} exited unexpectedly (code ${code ?? "-"}, signal ${signal ?? "-"}); restarting (log ${path.join(p.logs, `${name}.log`)})`));
  supervisor.on("restart", (name: string, attempt: number, delay: number) => log(`${name}: restart #${attempt - 1} in ${delay} ms`));
  supervisor.on("gaveUp", (name: string, message: string) => {
    log(`GIVING UP: ${message}`);
    if (critical.has(name)) {
      log(`${name} is needed by everything else: stopping the devnet`);
      exitCode = 1;
      void stop();
    }
  });

  let onSignal: (() => void) | undefined;
  if (run.handleSignals !== false) {
    onSignal = () => {
      void stop().then(() => process.exit(exitCode));
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  }

  try {
    const fresh = !existsSync(p.state);
    let state = await ensureGenesis(o, p, log);
    let hsmKeys: Record<string, string> | null = null;
    if (o.hsm) {
      hsmKeys = ensureHsm(o, p);
      log(`keys in the SoftHSM2 token "${DEVNET_TOKEN}" (${hsmPaths(p).dir}): relayers 1–6, validator 1, both anchorers, the signer's audit key`);
    } else {
      log(softhsmInstalled() ? "--no-hsm: relayers read keystores, validators development keys; no signer service" : "SoftHSM2 is not installed (apt-get install softhsm2): relayers read keystores, validators development keys; no signer service");
    }
    log(`starting the chains: ${o.validators} main-chain validator(s), ${o.productValidators} product-chain validator(s), anvil`);
    const chains = chainSpecs(o, p);
    for (const c of chains) critical.add(c.name);
    await Promise.all(chains.map((c) => supervisor.start(c)));
    // a chain produces blocks once its validators see each other
    const [start] = await Promise.all([
      blockAfterStart(mainRpcUrl(o), MAIN_CHAIN_ID, `the main chain made no block in 60 s; see ${p.logs}/main-*.log`),
      blockAfterStart(productRpcUrl(o), PRODUCT_CHAIN_ID, `the product chain made no block in 60 s; see ${p.logs}/product*.log`),
    ]);
    log(`chains up (main at block ${start}); ${fresh ? "deploying" : "checking"} contracts`);
    state = await bootstrapContracts(o, p, { main: mainRpcUrl(o), product: productRpcUrl(o), ethereum: ethereumRpcUrl(o) }, state, log, { auditAnchorer: hsmKeys?.[HSM_KEYS.signerAudit] });
    log("starting six relayers, both anchoring phases and the gateway");
    await Promise.all([...serviceSpecs(o, p, state), gatewaySpec(o, p)].map((s) => supervisor.start(s)));
    ensureConsoleBuilt(o, log);
    log("starting the indexer and the web console");
    await Promise.all([indexerSpec(o, p), consoleSpec(o, p), ...(o.hsm ? [signerSpec(o, p, state)] : [])].map((s) => supervisor.start(s)));
    const devKey = await ensureDevKey(o, p, state);
    if (state.gateway?.devKey !== devKey) {
      state = { ...state, gateway: { devKey } };
      writeState(p.state, state);
    }
    const gw = gatewayUrl(o);
    writeFileSync(
      path.join(o.dataDir, "endpoints.json"),
      JSON.stringify({ main: mainRpcUrl(o), product: productRpcUrl(o), productNodes: productRpcUrls(o), ethereum: ethereumRpcUrl(o), gateway: { main: `${gw}/v1/${MAIN_CHAIN_ID}/${devKey}`, product: `${gw}/v1/${PRODUCT_CHAIN_ID}/${devKey}`, ethereum: `${gw}/v1/${ETHEREUM_CHAIN_ID}/${devKey}`, admin: `${gw}/admin/v1` }, indexer: `${indexerUrl(o)}/api/v1`, console: consoleUrl(o), signer: o.hsm ? signerUrl(o) : null, pid: process.pid }, null, 2) + "\n",
    );
    log(`up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    out(formatTable(o, p, state));

    // status line
    const providers = [provider(mainRpcUrl(o), MAIN_CHAIN_ID), provider(productRpcUrl(o), PRODUCT_CHAIN_ID), provider(ethereumRpcUrl(o), ETHEREUM_CHAIN_ID)] as const;
    const poller = new StatusPoller({
      main: providers[0],
      product: providers[1],
      ethereum: providers[2],
      mainChainId: MAIN_CHAIN_ID,
      productChainId: PRODUCT_CHAIN_ID,
      phase1Registry: state.anchoring!.phase1Registry,
      phase2Registry: state.anchoring!.phase2Registry!,
      mainBridge: state.main!.MainBridge!,
      productBridge: state.product!.ProductBridge!,
    });
    let last = 0;
    let busy = false;
    statusTimer = setInterval(() => {
      if (busy) return;
      busy = true;
      poller
        .poll()
        .then((st) => {
          const line = formatStatus(st, o);
          if (tty) stream.write(`\r\x1b[2K${line.slice(0, Math.max(40, (stream.columns ?? 200) - 1))}`);
          else if (Date.now() - last >= 10_000) {
            last = Date.now();
            stream.write(`status ${new Date().toISOString()} ${line}\n`);
          }
        })
        .catch(() => undefined)
        .finally(() => (busy = false));
    }, o.statusEveryMs ?? 2000);
    void done.then(() => {
      for (const pr of providers) pr.destroy();
    });
  } catch (e) {
    exitCode = 1;
    if (!supervisor.isStopping) {
      log(`start-up failed: ${(e as Error).message}`);
      await stop();
    }
    if (onSignal) {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    throw e;
  }
  return { supervisor, state: JSON.parse(readFileSync(p.state, "utf8")) as DevnetState, stop, done };
}
