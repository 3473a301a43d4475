/**
 * Node entry of one relayer process, for supervisors that do not want Hardhat's start-up:
 *   node -r ts-node/register/transpile-only services/relayer/main.ts --signer 1 --main-rpc URL --product-rpc URL
 * Same options and code as `npx hardhat bridge:relayer` (see docs/relayer.md).
 */
import { createLogger } from "../../lib/log";
import { resolveRelayerOptions, type RawRelayerOptions } from "./config";
import { Relayer } from "./relayer";

/** Parses `--kebab-case value` pairs into camelCase keys (`--main`/`--product` are short for `--main-rpc`/`--product-rpc`). */
export function parseArgv(argv: string[]): RawRelayerOptions {
  const out: RawRelayerOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) throw new Error(`unexpected argument "${a}"; options are --name value`);
    const eq = a.indexOf("=");
    const flag = eq === -1 ? a.slice(2) : a.slice(2, eq);
    const value = eq === -1 ? argv[++i] : a.slice(eq + 1);
    if (value === undefined) throw new Error(`--${flag} needs a value`);
    const key = flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    out[key === "main" ? "mainRpc" : key === "product" ? "productRpc" : key] = value;
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
