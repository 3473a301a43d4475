/**
 * The signer's configuration file (JSON), checked with the repository's config kit: an unknown key, a wrong type or
 * a secret written in the file is a ConfigError naming the key's path.
 *
 *   {
 *     "listen": { "host": "127.0.0.1", "port": 8900 },
 *     "dataDir": "data/signer",                               // SQLite: DApps, wallets, transactions, the audit log
 *     "hsm": { "token": "luniverse", "pinEnv": "HSM_PIN" },   // + "module": a PKCS#11 module (default SoftHSM2's)
 *     "adminTokenEnv": "SIGNER_ADMIN_TOKEN",                  // the operator's bearer token (creates DApps)
 *     "chains": [{ "id": 2019, "name": "product", "rpcUrl": "http://127.0.0.1:8547", "gasFree": true }],
 *     "totp": { "issuer": "Luniverse", "window": 1, "maxFailures": 5, "lockSeconds": 900 },
 *     "sender": { "pollMs": 500, "rebroadcastMs": 10000, "replaceAfterMs": 120000 },
 *     "gateway": { "url": "http://127.0.0.1:8600", "adminTokenEnv": "GATEWAY_ADMIN_TOKEN" },   // DApps may use their gateway keys
 *     "audit": { "anchor": { "rpcUrl": "http://127.0.0.1:8545", "registry": "0x…", "logId": 7700001, "key": "signer-audit", "everyMs": 60000 } }
 *   }
 */
import path from "node:path";
import { getAddress, isAddress } from "ethers";
import { ConfigError, bool, checkKeys, envName, host, int, invalid, isPlainObject, joinPath, optStr, readJsonFile, section, str } from "../../lib/config";
import { SOFTHSM_MODULE } from "../../lib/hsm";

export interface SignerChainConfig {
  id: number;
  name: string;
  /** JSON-RPC URL the transactions are sent through: the gateway (`http://gw/v1/<chain>/<key>`) or a node. */
  rpcUrl: string;
  /** Gas-free chain (gas price 0, the default) or not (EIP-1559 fees from the node). */
  gasFree: boolean;
}

export interface AuditAnchorConfig {
  /** The parent chain holding the AnchorRegistry. */
  rpcUrl: string;
  registry: string;
  /** The audit log's id in the registry (registered by governance like a child chain). */
  logId: number;
  /** Label of the HSM key that signs the anchors (authorised as the log's anchorer). */
  key: string;
  everyMs: number;
}

/** The gateway whose API keys authenticate DApps too (a key with a secret, of the gateway DApp named like the signer's). */
export interface SignerGatewayConfig {
  url: string;
  adminTokenEnv: string;
}

export interface SignerConfig {
  listen: { host: string; port: number };
  dataDir: string;
  hsm: { module: string; token: string; pinEnv: string };
  adminTokenEnv: string;
  chains: SignerChainConfig[];
  totp: { issuer: string; window: number; maxFailures: number; lockSeconds: number };
  sender: { pollMs: number; rebroadcastMs: number; replaceAfterMs: number };
  audit: { anchor: AuditAnchorConfig | null };
  gateway: SignerGatewayConfig | null;
}

const ROOT_KEYS = ["listen", "dataDir", "hsm", "adminTokenEnv", "chains", "totp", "sender", "audit", "gateway"];
const CHAIN_KEYS = ["id", "name", "rpcUrl", "gasFree"];
const SECRET = {
  secretMessage: (full: string) => `${full}: a key, PIN or token must never be written in the signer's configuration file; name the environment variable that holds it (hsm.pinEnv, adminTokenEnv)`,
};

/** Checks a parsed config; relative paths are resolved from `baseDir` (the config file's folder). */
export function parseSignerConfig(input: unknown, baseDir = process.cwd()): SignerConfig {
  if (!isPlainObject(input)) throw invalid("(root)", "object", input);
  for (const k of ["pin", "adminToken", "soPin"]) {
    if (input[k] !== undefined) throw new ConfigError("CONFIG_SECRET", k, SECRET.secretMessage(k));
  }
  checkKeys(input, ROOT_KEYS, "", SECRET);
  const l = section(input, "listen", "", ["host", "port"]);
  const h = section(input, "hsm", "", ["module", "token", "pinEnv", "pin"], SECRET);
  if (h.pin !== undefined) throw new ConfigError("CONFIG_SECRET", "hsm.pin", SECRET.secretMessage("hsm.pin"));
  if (h.token === undefined) throw new ConfigError("CONFIG_INVALID", "hsm.token", `hsm.token: give the label of the HSM token that holds the wallets' keys (create it: npx hardhat hsm:init-token --token NAME)`);
  const chainsIn = input.chains;
  if (!Array.isArray(chainsIn) || chainsIn.length === 0) throw invalid("chains", "a non-empty array of chains ({id, name, rpcUrl, gasFree})", chainsIn);
  const chains = chainsIn.map((c, i): SignerChainConfig => {
    const at = `chains[${i}]`;
    if (!isPlainObject(c)) throw invalid(at, "object", c);
    checkKeys(c, CHAIN_KEYS, at);
    if (c.id === undefined) throw invalid(joinPath(at, "id"), "chain id (positive integer)", c.id);
    const rpcUrl = str(c, "rpcUrl", at, "");
    if (!/^https?:\/\//.test(rpcUrl)) throw invalid(joinPath(at, "rpcUrl"), "an http(s):// JSON-RPC URL", c.rpcUrl);
    return { id: int(c, "id", at, 0, 1, Number.MAX_SAFE_INTEGER), name: str(c, "name", at, `chain-${String(c.id)}`), rpcUrl, gasFree: bool(c, "gasFree", at, true) };
  });
  const ids = new Set<number>();
  chains.forEach((c, i) => {
    if (ids.has(c.id)) throw new ConfigError("CONFIG_INVALID", `chains[${i}].id`, `chains[${i}].id: chain ${c.id} is listed twice; list each chain once`);
    ids.add(c.id);
  });
  const t = section(input, "totp", "", ["issuer", "window", "maxFailures", "lockSeconds"]);
  const s = section(input, "sender", "", ["pollMs", "rebroadcastMs", "replaceAfterMs"]);
  const a = section(input, "audit", "", ["anchor"]);
  let anchor: AuditAnchorConfig | null = null;
  if (a.anchor !== undefined && a.anchor !== null) {
    const an = section(a, "anchor", "audit", ["rpcUrl", "registry", "logId", "key", "everyMs"]);
    const registry = str(an, "registry", "audit.anchor", "");
    if (!isAddress(registry)) throw invalid("audit.anchor.registry", "the AnchorRegistry's address (0x…)", an.registry);
    const rpcUrl = str(an, "rpcUrl", "audit.anchor", "");
    if (!/^https?:\/\//.test(rpcUrl)) throw invalid("audit.anchor.rpcUrl", "an http(s):// JSON-RPC URL", an.rpcUrl);
    if (an.logId === undefined) throw invalid("audit.anchor.logId", "the audit log's id in the registry (positive integer)", an.logId);
    anchor = {
      rpcUrl,
      registry: getAddress(registry),
      logId: int(an, "logId", "audit.anchor", 0, 1, Number.MAX_SAFE_INTEGER),
      key: str(an, "key", "audit.anchor", "signer-audit"),
      everyMs: int(an, "everyMs", "audit.anchor", 60_000, 100, 86_400_000),
    };
  }
  let gateway: SignerGatewayConfig | null = null;
  if (input.gateway !== undefined && input.gateway !== null) {
    const g = section(input, "gateway", "", ["url", "adminTokenEnv"]);
    const url = str(g, "url", "gateway", "");
    if (!/^https?:\/\//.test(url)) throw invalid("gateway.url", "the gateway's base URL (http://host:port)", g.url);
    gateway = { url: url.replace(/\/+$/, ""), adminTokenEnv: envName(g, "adminTokenEnv", "gateway", "GATEWAY_ADMIN_TOKEN")! };
  }
  return {
    gateway,
    listen: { host: host(l, "host", "listen", "127.0.0.1"), port: int(l, "port", "listen", 8900, 0, 65535) },
    dataDir: path.resolve(baseDir, str(input, "dataDir", "", "signer-data")),
    hsm: { module: optStr(h, "module", "hsm", null) ?? SOFTHSM_MODULE, token: str(h, "token", "hsm", ""), pinEnv: envName(h, "pinEnv", "hsm", "HSM_PIN")! },
    adminTokenEnv: envName(input, "adminTokenEnv", "", "SIGNER_ADMIN_TOKEN")!,
    chains,
    totp: {
      issuer: str(t, "issuer", "totp", "Luniverse"),
      window: int(t, "window", "totp", 1, 0, 3),
      maxFailures: int(t, "maxFailures", "totp", 5, 1, 100),
      lockSeconds: int(t, "lockSeconds", "totp", 900, 1, 86_400 * 7),
    },
    sender: {
      pollMs: int(s, "pollMs", "sender", 500, 20, 60_000),
      rebroadcastMs: int(s, "rebroadcastMs", "sender", 10_000, 100, 3_600_000),
      replaceAfterMs: int(s, "replaceAfterMs", "sender", 120_000, 1_000, 86_400_000),
    },
    audit: { anchor },
  };
}

/** Reads and checks a config file (relative paths resolved from its folder). */
export function loadSignerConfigFile(file: string): SignerConfig {
  return parseSignerConfig(readJsonFile(file, "signer config"), path.dirname(path.resolve(file)));
}
