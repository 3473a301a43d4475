/**
 * The devnet's keys in an HSM (docs/keys.md): a SoftHSM2 token `devnet` under `<dataDir>/softhsm/`, holding the bridge
 * signers' keys (relayers 1–6), the first main-chain validator's, both anchorers' and the signer service's own (its
 * audit-log anchorer, generated in the token). The development accounts are imported because the devnet's genesis
 * names their addresses; on a real network keys are generated in the token (`hsm:create-key`) and the genesis and
 * the bridge's signer set are written with their addresses. Without SoftHSM2 (`--no-hsm`, or not installed) the
 * relayers read keystores, the validator a development key, and the signer service does not start.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { SOFTHSM_MODULE } from "../lib/hsm";
import { AUDIT_LOG_ID, DevnetError, MAIN_CHAIN_ID, PRODUCT_CHAIN_ID, ROLES, mainRpcUrl, productRpcUrl, type DevnetOptions, type DevnetPaths } from "./config";
import type { DevnetState } from "./state";
import type { ChildSpec } from "./supervisor";

const TS_NODE = ["-r", "ts-node/register/transpile-only"];
export const DEVNET_TOKEN = "devnet";
/** The devnet token's PINs (local development only, passed to its processes in the environment). */
export const DEV_HSM_PIN = "20181224";
const DEV_HSM_SO_PIN = "devnet-so-pin";

/** Whether SoftHSM2's module is installed here. */
export function softhsmInstalled(): boolean {
  return existsSync(SOFTHSM_MODULE);
}

export function hsmPaths(p: DevnetPaths) {
  const dir = path.join(p.dataDir, "softhsm");
  return { dir, tokens: path.join(dir, "tokens"), conf: path.join(dir, "softhsm2.conf") };
}

/** The environment of a process that signs with the devnet's token. */
export function hsmEnv(p: DevnetPaths): Record<string, string> {
  return { SOFTHSM2_CONF: hsmPaths(p).conf, HSM_PIN: DEV_HSM_PIN };
}

/** Labels of the devnet's keys. */
export const HSM_KEYS = {
  relayer: (n: number) => `relayer-${n}`,
  validator: "validator-1",
  anchorPhase1: "anchor-phase1",
  anchorPhase2: "anchor-phase2",
  signerAudit: "signer-audit",
} as const;

/** Creates the token and its keys when missing (a child process); returns label → address. */
export function ensureHsm(o: DevnetOptions, p: DevnetPaths): Record<string, string> {
  const h = hsmPaths(p);
  mkdirSync(h.tokens, { recursive: true, mode: 0o700 });
  if (!existsSync(h.conf)) writeFileSync(h.conf, `directories.tokendir = ${h.tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const imports = [
    ...ROLES.signers.map((account, i) => `${HSM_KEYS.relayer(i + 1)}=${account}`),
    `${HSM_KEYS.validator}=${ROLES.validators[0]}`,
    `${HSM_KEYS.anchorPhase1}=${ROLES.anchorerPhase1}`,
    `${HSM_KEYS.anchorPhase2}=${ROLES.anchorerPhase2}`,
  ];
  const r = spawnSync(process.execPath, [...TS_NODE, "devnet/hsmSetup.ts", "--token", DEVNET_TOKEN, "--import", imports.join(","), "--generate", HSM_KEYS.signerAudit], {
    cwd: o.root,
    encoding: "utf8",
    env: { ...process.env, ...hsmEnv(p), HSM_SO_PIN: DEV_HSM_SO_PIN, TS_NODE_TRANSPILE_ONLY: "1" },
    timeout: 120_000,
  });
  const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith('{"event":"hsm"'));
  if (r.status !== 0 || !line) throw new DevnetError("DEVNET_HSM", `cannot set up the devnet's HSM token in ${h.dir}: ${(r.stderr || r.stdout || String(r.error)).trim().slice(-800)}`);
  return (JSON.parse(line) as { keys: Record<string, string> }).keys;
}

/** The signer service's operator token for this data folder (made on first use, mode 0600). */
export function signerAdminToken(p: DevnetPaths): string {
  const file = path.join(p.dataDir, "signer", "admin-token");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const token = randomBytes(24).toString("hex");
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

export function signerUrl(o: DevnetOptions): string {
  return `http://127.0.0.1:${o.signerPort}`;
}

/** Writes the signer's config (both chains; audit anchoring into the main chain's AnchorRegistry) and returns its spec. */
export function signerSpec(o: DevnetOptions, p: DevnetPaths, state: DevnetState): ChildSpec {
  const dir = path.join(p.dataDir, "signer");
  mkdirSync(dir, { recursive: true });
  const config = {
    listen: { host: "127.0.0.1", port: o.signerPort },
    dataDir: path.join(dir, "data"),
    hsm: { token: DEVNET_TOKEN, pinEnv: "HSM_PIN" },
    adminTokenEnv: "SIGNER_ADMIN_TOKEN",
    chains: [
      { id: PRODUCT_CHAIN_ID, name: "product", rpcUrl: productRpcUrl(o), gasFree: true },
      { id: MAIN_CHAIN_ID, name: "main", rpcUrl: mainRpcUrl(o), gasFree: false },
    ],
    audit: { anchor: { rpcUrl: mainRpcUrl(o), registry: state.main!.AnchorRegistry!, logId: AUDIT_LOG_ID, key: HSM_KEYS.signerAudit, everyMs: 10_000 } },
  };
  const file = path.join(dir, "signer.json");
  writeFileSync(file, JSON.stringify(config, null, 2) + "\n");
  return {
    name: "signer",
    command: process.execPath,
    args: [...TS_NODE, "services/signer/main.ts", "--config", file],
    cwd: o.root,
    env: { ...hsmEnv(p), SIGNER_ADMIN_TOKEN: signerAdminToken(p), TS_NODE_TRANSPILE_ONLY: "1" },
    readyLine: /signer listening on/,
  };
}
