/**
 * Node entry of the indexer (the devnet runs it as a supervised process):
 *   node -r ts-node/register/transpile-only services/indexer/main.ts --config indexer.json
 * Prints `indexer listening on http://HOST:PORT` when the API is up (see docs/indexer.md).
 */
import { ArgumentError } from "../../lib/errors";
import { parseCommandLine } from "../../lib/args";
import { createLogger } from "../../lib/log";
import { runIndexerFile } from "./index";

async function main(): Promise<void> {
  const { values } = parseCommandLine(process.argv.slice(2), { config: { type: "string" } }, "usage: services/indexer/main.ts --config indexer.json");
  if (values.config === undefined) throw new ArgumentError("ARG_MISSING", "--config", "--config is required: the indexer's JSON config file (see docs/indexer.md)");
  const logger = createLogger("indexer");
  const indexer = await runIndexerFile(values.config, { logger });
  process.stdout.write(`indexer listening on ${indexer.url}\n`);
  logger.info("indexer listening", { url: indexer.url });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info("stopping", { signal });
    void indexer.close().then(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

if (require.main === module) {
  main().catch((e: unknown) => {
    const err = e as Error & { code?: string };
    process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), level: "error", component: "indexer", msg: err.message, code: err.code })}\n`);
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(1);
  });
}
