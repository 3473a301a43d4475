/**
 * The gateway's tasks: start a replica, manage API keys, read traffic. Keys and traffic go through the admin API of a
 * running gateway (`--gateway`, default $GATEWAY_URL or http://127.0.0.1:8600) with the token in $GATEWAY_ADMIN_TOKEN
 * (or the variable `--token-env` names), so every replica sees a change within a second.
 */
import { task } from "./lib/task";
import { TaskError } from "./lib/errors";
import { parseAddressList } from "../lib/args";
import { createLogger } from "../lib/log";
import { gatewayAdmin, type GatewayAdmin } from "../ops/gateway/client";
import { createApiKey } from "../ops/gateway/createApiKey";
import { listApiKeys } from "../ops/gateway/listApiKeys";
import { readApiKey } from "../ops/gateway/readApiKey";
import { updateApiKey } from "../ops/gateway/updateApiKey";
import { rotateApiKey } from "../ops/gateway/rotateApiKey";
import { revokeApiKey } from "../ops/gateway/revokeApiKey";
import {
  readTraffic,
  type ReadTrafficParameters,
} from "../ops/gateway/readTraffic";
import type { ApiKeySettings, ApiKeyView } from "../ops/gateway/keys";
import type { KeyLimits } from "../lib/gatewayApi";

interface AdminArgs {
  gateway?: string;
  tokenEnv: string;
}

function admin(args: AdminArgs): GatewayAdmin {
  const url =
    args.gateway ?? process.env.GATEWAY_URL ?? "http://127.0.0.1:8600";
  const token = process.env[args.tokenEnv];
  if (token === undefined || token === "") {
    throw new TaskError(
      `the admin token is not set: export ${args.tokenEnv}=<token the gateway was started with> (npm start prints it in devnet/state.json's gateway section)`
    );
  }
  return gatewayAdmin(url, token);
}

/** "a,b,c" → list; "any" → null (no allow-list); undefined → not given. */
function listFlag(
  flag: string,
  value: string | undefined
): string[] | null | undefined {
  if (value === undefined) return undefined;
  if (value.trim().toLowerCase() === "any") return null;
  const items = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (items.length === 0)
    throw new TaskError(`--${flag} must be a comma-separated list, or "any"`);
  return items;
}

const LIMIT_FLAGS: Record<string, keyof KeyLimits> = {
  rps: "requestsPerSecond",
  cuPerSecond: "cuPerSecond",
  requestsPerDay: "requestsPerDay",
  cuPerDay: "cuPerDay",
  cuPerMonth: "cuPerMonth",
  maxBatch: "maxBatch",
  maxBodyBytes: "maxBodyBytes",
  maxSubscriptions: "maxSubscriptions",
  maxConcurrent: "maxConcurrent",
};

interface KeyArgs extends AdminArgs {
  name?: string;
  chains?: string;
  methods?: string;
  contracts?: string;
  origins?: string;
  rps?: string;
  cuPerSecond?: string;
  requestsPerDay?: string;
  cuPerDay?: string;
  cuPerMonth?: string;
  maxBatch?: string;
  maxBodyBytes?: string;
  maxSubscriptions?: string;
  maxConcurrent?: string;
}

function settings(args: KeyArgs): ApiKeySettings {
  const s: ApiKeySettings = {};
  if (args.name !== undefined) s.name = args.name;
  const chains = listFlag("chains", args.chains);
  if (chains === null)
    throw new TaskError(
      `--chains cannot be "any": a key is bound to the chains it may use (ids or names, e.g. main,product)`
    );
  if (chains !== undefined) s.chains = chains;
  const methods = listFlag("methods", args.methods);
  if (methods !== undefined) s.methods = methods;
  if (args.contracts !== undefined)
    s.contracts =
      args.contracts.trim().toLowerCase() === "any"
        ? null
        : parseAddressList("contracts", args.contracts);
  const origins = listFlag("origins", args.origins);
  if (origins !== undefined) s.origins = origins;
  const limits: Partial<KeyLimits> = {};
  for (const [flag, name] of Object.entries(LIMIT_FLAGS)) {
    const v = (args as unknown as Record<string, string | undefined>)[flag];
    if (v === undefined) continue;
    if (v === "none") {
      limits[name] = null as never;
      continue;
    }
    if (!/^[1-9][0-9]*$/.test(v))
      throw new TaskError(
        `--${flag.replace(
          /[A-Z]/g,
          (c) => `-${c.toLowerCase()}`
        )} must be an integer >= 1${
          name.startsWith("max") ? "" : ' or "none"'
        }, got "${v}"`
      );
    limits[name] = Number(v) as never;
  }
  if (Object.keys(limits).length > 0) s.limits = limits;
  return s;
}

function withAdminParams<
  T extends {
    addOptionalParam: (n: string, d: string, def?: string) => T;
    addParam: (n: string, d: string, def?: string) => T;
  }
>(t: T): T {
  return t
    .addOptionalParam(
      "gateway",
      "Gateway URL (default $GATEWAY_URL or http://127.0.0.1:8600)"
    )
    .addOptionalParam(
      "tokenEnv",
      "Environment variable holding the admin token",
      "GATEWAY_ADMIN_TOKEN"
    );
}

function withKeyParams<
  T extends { addOptionalParam: (n: string, d: string, def?: string) => T }
>(t: T): T {
  return t
    .addOptionalParam("name", "A label for people")
    .addOptionalParam(
      "methods",
      'Allowed JSON-RPC methods, comma-separated, or "any"'
    )
    .addOptionalParam(
      "contracts",
      'Contracts that calls and transactions may target, comma-separated, or "any"'
    )
    .addOptionalParam(
      "origins",
      'Allowed browser origins (https://app.example), comma-separated, or "any"'
    )
    .addOptionalParam("rps", 'Requests per second (or "none")')
    .addOptionalParam("cuPerSecond", 'Compute units per second (or "none")')
    .addOptionalParam("requestsPerDay", 'Requests per UTC day (or "none")')
    .addOptionalParam("cuPerDay", 'Compute units per UTC day (or "none")')
    .addOptionalParam("cuPerMonth", 'Compute units per UTC month (or "none")')
    .addOptionalParam("maxBatch", "Most requests in one batch")
    .addOptionalParam(
      "maxBodyBytes",
      "Largest request body or WebSocket message"
    )
    .addOptionalParam("maxSubscriptions", "Most live subscriptions")
    .addOptionalParam("maxConcurrent", "Most requests in flight");
}

function printKey(
  k: ApiKeyView & { secret?: string },
  gatewayUrl: string
): void {
  console.log(
    `key        ${k.key}${
      k.status === "revoked"
        ? `  (revoked${k.rotatedTo ? `, replaced by ${k.rotatedTo}` : ""})`
        : ""
    }`
  );
  console.log(`dapp       ${k.dapp}${k.name ? `  (${k.name})` : ""}`);
  console.log(`chains     ${k.chains.join(", ")}`);
  console.log(`methods    ${k.methods?.join(", ") ?? "any"}`);
  console.log(`contracts  ${k.contracts?.join(", ") ?? "any"}`);
  console.log(`origins    ${k.origins?.join(", ") ?? "any"}`);
  const l = k.limits;
  const v = (n: number | null): string =>
    n === null ? "none" : n.toLocaleString("en-US");
  console.log(
    `limits     ${v(l.requestsPerSecond)} req/s, ${v(l.cuPerSecond)} CU/s, ${v(
      l.requestsPerDay
    )} req/day, ${v(l.cuPerDay)} CU/day, ${v(l.cuPerMonth)} CU/month`
  );
  console.log(
    `           batch ${l.maxBatch}, body ${l.maxBodyBytes} B, ${l.maxSubscriptions} subscriptions, ${l.maxConcurrent} in flight`
  );
  if (k.status === "active")
    for (const c of k.chains)
      console.log(`url        ${gatewayUrl}/v1/${c}/${k.key}`);
  if (k.secret !== undefined)
    console.log(
      `secret     ${k.secret}   (shown once: send it as X-Key-Secret or the Basic-auth password)`
    );
}

// Hardhat keeps `--config` for its own config file: the gateway's file is `--gateway-config` here (and `--config` for
// services/gateway/main.ts, which has no Hardhat in front of it).
task(
  "gateway:start",
  "Starts a gateway replica from a JSON config (docs/gateway.md); runs until interrupted"
)
  .addParam("gatewayConfig", "The gateway's JSON config file")
  .addOptionalParam(
    "replica",
    "This replica's id in the shared store (default: random)"
  )
  .setAction(async (args: { gatewayConfig: string; replica?: string }) => {
    const { runGateway } = await import("../services/gateway");
    const log = createLogger("gateway");
    const gw = await runGateway(args.gatewayConfig, {
      log,
      ...(args.replica ? { replicaId: args.replica } : {}),
    });
    console.log(
      `gateway ${gw.url}  JSON-RPC at ${gw.url}/v1/<chain>/<apiKey>  admin ${gw.adminUrl}`
    );
    await new Promise<void>((resolve) => {
      const stop = (): void => void gw.close().then(resolve);
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
  });

withKeyParams(
  withAdminParams(
    task(
      "gateway:key:create",
      "Creates an API key for a DApp, bound to chains, with optional allow-lists and limits"
    )
      .addParam("dapp", "The DApp's name (lowercase letters, digits, dashes)")
      .addParam(
        "chains",
        "Chains the key may use: ids or names, comma-separated"
      )
      .addFlag("secret", "Also require a key secret (generated, shown once)")
  )
).setAction(
  async (args: KeyArgs & { dapp: string; chains: string; secret: boolean }) => {
    const a = admin(args);
    const created = await createApiKey(a, {
      dapp: args.dapp,
      ...settings(args),
      chains: settings(args).chains!,
      ...(args.secret ? { secret: true } : {}),
    });
    printKey(created, a.url);
    return created;
  }
);

withAdminParams(
  task(
    "gateway:key:list",
    "Lists API keys (all, or one DApp's)"
  ).addOptionalParam("dapp", "Only this DApp's keys")
).setAction(async (args: AdminArgs & { dapp?: string }) => {
  const keys = await listApiKeys(
    admin(args),
    args.dapp === undefined ? {} : { dapp: args.dapp }
  );
  if (keys.length === 0)
    console.log(
      args.dapp === undefined
        ? "no API keys yet: gateway:key:create --dapp <name> --chains <ids>"
        : `no API keys for ${args.dapp}`
    );
  for (const k of keys)
    console.log(
      `${k.key}  ${k.status.padEnd(7)}  ${k.dapp.padEnd(16)}  chains ${k.chains
        .join(",")
        .padEnd(12)}  ${k.name}`
    );
  return keys;
});

withAdminParams(
  task(
    "gateway:key:show",
    "Shows an API key, its settings and its usage today and this month"
  ).addParam("key", "The API key")
).setAction(async (args: AdminArgs & { key: string }) => {
  const a = admin(args);
  const k = await readApiKey(a, { key: args.key });
  printKey(k, a.url);
  console.log(`usage      ${JSON.stringify(k.usage)}`);
  return k;
});

withKeyParams(
  withAdminParams(
    task(
      "gateway:key:update",
      "Changes an API key's chains, allow-lists or limits (every replica within a second)"
    )
      .addParam("key", "The API key")
      .addOptionalParam("chains", "Chains: ids or names, comma-separated")
  )
).setAction(async (args: KeyArgs & { key: string }) => {
  const s = settings(args);
  if (Object.keys(s).length === 0)
    throw new TaskError(
      "nothing to change: give --chains, --methods, --contracts, --origins, --name or a limit (--rps, --cu-per-day …)"
    );
  const a = admin(args);
  const k = await updateApiKey(a, { key: args.key, ...s });
  printKey(k, a.url);
  return k;
});

withAdminParams(
  task(
    "gateway:key:rotate",
    "Replaces an API key by a new one with the same settings; the old key is revoked"
  ).addParam("key", "The API key")
).setAction(async (args: AdminArgs & { key: string }) => {
  const a = admin(args);
  const k = await rotateApiKey(a, { key: args.key });
  printKey(k, a.url);
  console.log(`replaces   ${k.replaces} (revoked)`);
  return k;
});

withAdminParams(
  task(
    "gateway:key:revoke",
    "Revokes an API key: refused by every replica within a second"
  ).addParam("key", "The API key")
).setAction(async (args: AdminArgs & { key: string }) => {
  const k = await revokeApiKey(admin(args), { key: args.key });
  console.log(`revoked ${k.key} (${k.dapp})`);
  return k;
});

withAdminParams(
  task(
    "gateway:traffic",
    "Traffic of a window: requests, errors, compute units, p50/p95/p99 latency, top methods, API keys, DApps, senders and clients"
  )
    .addOptionalParam(
      "since",
      "Window length back from now: 15m, 1h, 24h, 7d",
      "1h"
    )
    .addOptionalParam("key", "Only this API key")
    .addOptionalParam("dapp", "Only this DApp")
    .addOptionalParam("chain", "Only this chain id")
    .addOptionalParam("method", "Only this method")
).setAction(
  async (
    args: AdminArgs & {
      since: string;
      key?: string;
      dapp?: string;
      chain?: string;
      method?: string;
    }
  ) => {
    const m = /^(\d+)([smhd])$/.exec(args.since);
    if (m === null)
      throw new TaskError(
        `--since must be a duration such as 15m, 1h, 24h or 7d, got "${args.since}"`
      );
    const ms =
      Number(m[1]) *
      { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
        m[2] as "s" | "m" | "h" | "d"
      ];
    const to = Date.now() + 1;
    const q: ReadTrafficParameters = { from: to - ms, to };
    for (const f of ["key", "dapp", "chain", "method"] as const)
      if (args[f] !== undefined) q[f] = args[f];
    const t = await readTraffic(admin(args), q);
    const ms2 = (v: number | null): string => (v === null ? "-" : `${v} ms`);
    console.log(
      `requests ${t.requests}  errors ${t.errors}  rejected ${t.rejected}  CU ${t.cu}  cache hits ${t.cacheHits}`
    );
    console.log(
      `latency  p50 ${ms2(t.p50Ms)}  p95 ${ms2(t.p95Ms)}  p99 ${ms2(t.p99Ms)}`
    );
    if (t.topMethods.length > 0)
      console.log(
        `methods  ${t.topMethods
          .map((x) => `${x.method} ${x.requests}`)
          .join(", ")}`
      );
    const figures = (x: {
      requests: number;
      errors: number;
      cu: number;
      cacheHits: number;
    }): string =>
      `${x.requests} (errors ${x.errors}, CU ${x.cu}, cache hits ${x.cacheHits})`;
    if (t.topKeys.length > 0)
      console.log(
        `keys     ${t.topKeys
          .map((x) => `${x.key ?? "(no key)"} ${figures(x)}`)
          .join(", ")}`
      );
    if (t.topDapps.length > 0)
      console.log(
        `dapps    ${t.topDapps
          .map((x) => `${x.dapp ?? "(no DApp)"} ${figures(x)}`)
          .join(", ")}`
      );
    if (t.topSenders.length > 0)
      console.log(
        `senders  ${t.topSenders
          .map((x) => `${x.sender} ${x.requests}`)
          .join(", ")}`
      );
    if (t.topIps.length > 0)
      console.log(
        `clients  ${t.topIps.map((x) => `${x.ip} ${x.requests}`).join(", ")}`
      );
    return t;
  }
);
