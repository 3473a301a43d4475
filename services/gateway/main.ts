/**
 * Node entry of one gateway replica, for supervisors that do not want Hardhat's start-up:
 *   node -r ts-node/register/transpile-only services/gateway/main.ts --config gateway.json
 * Same code as `npx hardhat gateway:start --config gateway.json` (see docs/gateway.md).
 */
import { parseCommandLine } from "../../lib/args";
import { createLogger } from "../../lib/log";
import { runGateway } from "./index";

async function main(): Promise<void> {
  const { values } = parseCommandLine(process.argv.slice(2), { config: { type: "string" }, replica: { type: "string" } }, "usage: services/gateway/main.ts --config gateway.json [--replica ID]");
  if (values.config === undefined) throw new Error("--config is required: the gateway's JSON config file (see docs/gateway.md)");
  const log = createLogger("gateway");
  const gw = await runGateway(values.config, { log, ...(values.replica ? { replicaId: values.replica } : {}) });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info("stopping", { signal });
    void gw.close().then(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

if (require.main === module) {
  main().catch((e: unknown) => {
    const err = e as Error & { code?: string };
    process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), level: "error", component: "gateway", msg: err.message, code: err.code })}\n`);
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(1);
  });
}
