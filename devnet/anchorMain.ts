/**
 * Light entry of one anchoring process (the same `runAnchor` as `npx hardhat anchor:run`, without Hardhat's
 * start-up), used by the devnet supervisor:
 *   node -r ts-node/register/transpile-only devnet/anchorMain.ts --child URL --parent URL --registry 0x… \
 *     --dev-account 17 --every 10 --confirmations 1 --cursor FILE --metrics-port 9106 --name phase1
 * Prints `{"event":"ready",…}` once running; SIGINT/SIGTERM stop it cleanly.
 */
import { createLogger } from "../lib/log";
import { runAnchor, validateRunAnchorOptions, type RunAnchorOptions } from "../services/anchor/runAnchor";

function parse(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (!flag.startsWith("--") || value === undefined) throw new Error(`expected --flag value pairs, got "${flag}"`);
    out[flag.slice(2)] = value;
  }
  return out;
}

async function main(): Promise<void> {
  const a = parse(process.argv.slice(2));
  const need = (k: string): string => {
    const v = a[k];
    if (v === undefined) throw new Error(`--${k} is required`);
    return v;
  };
  const name = a.name ?? "anchor";
  const controller = new AbortController();
  const options: RunAnchorOptions = {
    childUrl: need("child"),
    parentUrl: need("parent"),
    every: Number(a.every ?? "10"),
    confirmations: Number(a.confirmations ?? "1"),
    registry: { registry: need("registry") },
    key: { devAccount: Number(need("dev-account")) },
    cursorFile: a.cursor,
    pollMs: Number(a["poll-ms"] ?? "1000"),
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
