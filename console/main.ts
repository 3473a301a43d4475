/**
 * Process entry of the console server:
 *   node -r ts-node/register/transpile-only console/main.ts --config console.json
 * Prints `console listening on http://HOST:PORT` once it answers (the devnet's supervisor waits for that line).
 * See docs/console.md for the config file.
 */
import { parseCommandLine } from "../lib/args";
import { ArgumentError, errorMessage, isLuniverseError } from "../lib/errors";
import { createLogger } from "../lib/log";
import { loadConsoleServerConfig } from "./config";
import { startConsoleServer } from "./server";

const USAGE = "usage: console/main.ts --config console.json (see docs/console.md)";

async function main(): Promise<void> {
  const { values } = parseCommandLine(process.argv.slice(2), { config: { type: "string" } }, USAGE);
  if (values.config === undefined) throw new ArgumentError("ARG_MISSING", "--config", `--config is required: the console's JSON config file; ${USAGE}`);
  const config = loadConsoleServerConfig(values.config);
  const log = createLogger("console");
  const server = await startConsoleServer(config, { log });
  process.stdout.write(`console listening on ${server.url}\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info("stopping", { signal });
    void server.close().then(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

if (require.main === module) {
  main().catch((e: unknown) => {
    const code = isLuniverseError(e) ? e.code : undefined;
    process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), level: "error", component: "console", msg: errorMessage(e), code })}\n`);
    process.stderr.write(`error: ${errorMessage(e)}\n`);
    process.exit(1);
  });
}
