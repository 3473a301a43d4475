/**
 * Node entry of the signer (the devnet runs it as a supervised process):
 *   HSM_PIN=… SIGNER_ADMIN_TOKEN=… node -r ts-node/register/transpile-only services/signer/main.ts --config signer.json
 * Prints `signer listening on http://HOST:PORT` when the API is up (docs/keys.md, docs/tx-api.md).
 */
import { ArgumentError } from "../../lib/errors";
import { parseCommandLine } from "../../lib/args";
import { createLogger } from "../../lib/log";
import { runSignerFile } from "./index";

async function main(): Promise<void> {
  const { values } = parseCommandLine(process.argv.slice(2), { config: { type: "string" } }, "usage: services/signer/main.ts --config signer.json");
  if (values.config === undefined) throw new ArgumentError("ARG_MISSING", "--config", "--config is required: the signer's JSON config file (see docs/keys.md)");
  const logger = createLogger("signer");
  const signer = await runSignerFile(values.config, { logger });
  process.stdout.write(`signer listening on ${signer.url}\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info("stopping", { signal });
    void signer.close().then(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

if (require.main === module) {
  main().catch((e: unknown) => {
    const err = e as Error & { code?: string };
    process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), level: "error", component: "signer", msg: err.message, code: err.code })}\n`);
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(1);
  });
}
