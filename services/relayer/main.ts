/**
 * Node entry of one relayer process, for supervisors that do not want Hardhat's start-up:
 *   node -r ts-node/register/transpile-only services/relayer/main.ts --signer 1 --main-rpc URL --product-rpc URL
 * Same options and code as `npx hardhat bridge:relayer` (see docs/relayer.md).
 */
import { createLogger } from "../../lib/log";
import { camelCase, kebabCase, parseCommandLine } from "../../lib/args";
import { RELAYER_OPTION_KEYS, resolveRelayerOptions, type RawRelayerOptions } from "./config";
import { Relayer } from "./relayer";

/** Parses `--kebab-case value` flags into camelCase keys (`--main`/`--product` are short for `--main-rpc`/`--product-rpc`). */
export function parseArgv(argv: string[]): RawRelayerOptions {
  const options = Object.fromEntries([...RELAYER_OPTION_KEYS, "main", "product"].map((k) => [kebabCase(k), { type: "string" as const }]));
  const { values } = parseCommandLine(argv, options, "see docs/relayer.md for the relayer's options");
  const out: RawRelayerOptions = {};
  for (const [flag, value] of Object.entries(values)) {
    const key = camelCase(flag);
    out[key === "main" ? "mainRpc" : key === "product" ? "productRpc" : key] = value as string;
  }
  return out;
}

async function main(): Promise<void> {
  const raw = parseArgv(process.argv.slice(2));
  const options = resolveRelayerOptions(raw);
  const log = createLogger("relayer", { fields: { signer: options.signer } });
  const relayer = new Relayer(options, log);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info("stopping", { signal });
    void relayer.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  await relayer.init();
  await relayer.run();
}

if (require.main === module) {
  main().catch((e: unknown) => {
    const err = e as Error & { code?: string };
    process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), level: "error", component: "relayer", msg: err.message, code: err.code })}\n`);
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(1);
  });
}
