/**
 * Light entry: `node -r ts-node/register/transpile-only node/cli.ts --config FILE [--genesis F] [--data-dir D] [--reset] [--snapshot-from URL]`
 * (`npm run node -- --config FILE`). Same as `npx hardhat node:start --node-config FILE`, without Hardhat's start-up.
 */
import { parseCommandLine } from "../lib/args";
import { errorMessage } from "../lib/errors";
import { runUntilSignal, startFromFiles, type StartArgs } from "./run";

const USAGE = "usage: node/cli.ts --config FILE [--genesis FILE] [--data-dir DIR] [--reset] [--snapshot-from RPC_URL]";

function parse(argv: string[]): StartArgs {
  const { values } = parseCommandLine(
    argv,
    {
      config: { type: "string" },
      genesis: { type: "string" },
      "data-dir": { type: "string" },
      reset: { type: "boolean" },
      "snapshot-from": { type: "string" },
    },
    USAGE,
  );
  const out: StartArgs = {};
  if (values.config !== undefined) out.config = values.config;
  if (values.genesis !== undefined) out.genesis = values.genesis;
  if (values["data-dir"] !== undefined) out.dataDir = values["data-dir"];
  if (values.reset === true) out.reset = true;
  if (values["snapshot-from"] !== undefined) out.snapshotFrom = values["snapshot-from"];
  return out;
}

Promise.resolve()
  .then(() => startFromFiles(parse(process.argv.slice(2))))
  .then(runUntilSignal)
  .then(() => process.exit(0))
  .catch((err: unknown) => {
    console.error(`error: ${errorMessage(err)}`);
    process.exit(1);
  });
