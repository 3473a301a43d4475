/**
 * Light entry of one anchoring process (the same `runAnchor` as `npx hardhat anchor:run`, without Hardhat's
 * start-up), used by the devnet supervisor:
 *   node -r ts-node/register/transpile-only devnet/anchorMain.ts --child URL --parent URL --registry 0x… \
 *     --dev-account 17 --every 10 --confirmations 1 --cursor FILE --metrics-port 9106 --name phase1
 * Prints `{"event":"ready",…}` once running; SIGINT/SIGTERM stop it cleanly.
 */
import { parseCommandLine } from "../lib/args";
import { ArgumentError } from "../lib/errors";
import { createLogger } from "../lib/log";
import { runAnchor, validateRunAnchorOptions, type RunAnchorOptions } from "../services/anchor/runAnchor";

const OPTIONS = {
  child: { type: "string" },
  parent: { type: "string" },
  registry: { type: "string" },
  "dev-account": { type: "string" },
  "hsm-token": { type: "string" },
  "hsm-key": { type: "string" },
  "hsm-pin-env": { type: "string" },
  "hsm-module": { type: "string" },
  every: { type: "string", default: "10" },
  confirmations: { type: "string", default: "1" },
  cursor: { type: "string" },
  "poll-ms": { type: "string", default: "1000" },
  "metrics-port": { type: "string" },
  name: { type: "string", default: "anchor" },
} as const;

async function main(): Promise<void> {
  const { values: a } = parseCommandLine(process.argv.slice(2), OPTIONS, "usage: devnet/anchorMain.ts --child URL --parent URL --registry 0x… (--dev-account N | --hsm-token T --hsm-key K) [--every N] [--confirmations N] [--cursor FILE] [--metrics-port N] [--name NAME]");
  const need = (k: keyof typeof OPTIONS): string => {
    const v = a[k];
    if (v === undefined) throw new ArgumentError("ARG_MISSING", k, `--${k} is required`);
    return v;
  };
  const name = a.name;
  const controller = new AbortController();
  const options: RunAnchorOptions = {
    childUrl: need("child"),
    parentUrl: need("parent"),
    every: Number(a.every),
    confirmations: Number(a.confirmations),
    registry: { registry: need("registry") },
    key: a["hsm-token"] !== undefined ? { hsm: { token: a["hsm-token"], key: need("hsm-key"), pinEnv: a["hsm-pin-env"], module: a["hsm-module"] } } : { devAccount: Number(need("dev-account")) },
    cursorFile: a.cursor,
    pollMs: Number(a["poll-ms"]),
    metricsPort: a["metrics-port"] === undefined ? undefined : Number(a["metrics-port"]),
    maxBackoffMs: 5_000,
    name,
    logger: createLogger("anchor", { fields: { phase: name } }),
    signal: controller.signal,
    onReady: (info) => console.log(JSON.stringify({ event: "ready", phase: name, registry: info.registry, anchorer: info.anchorer, nextStart: info.nextStart.toString() })),
  };
  validateRunAnchorOptions(options);
  const stop = (): void => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  await runAnchor(options);
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(`error: ${e.message}`);
    process.exit(1);
  },
);
