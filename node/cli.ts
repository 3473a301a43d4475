/**
 * Light entry: `node -r ts-node/register/transpile-only node/cli.ts --config FILE [--genesis F] [--data-dir D] [--reset]`
 * (`npm run node -- --config FILE`). Same as `npx hardhat node:start --node-config FILE`, without Hardhat's start-up.
 */
import { runUntilSignal, startFromFiles, type StartArgs } from "./run";

function parse(argv: string[]): StartArgs {
  const out: StartArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--config") out.config = value();
    else if (a === "--genesis") out.genesis = value();
    else if (a === "--data-dir") out.dataDir = value();
    else if (a === "--reset") out.reset = true;
    else throw new Error(`unknown argument ${a} (expected --config FILE, --genesis FILE, --data-dir DIR, --reset)`);
  }
  return out;
}

startFromFiles(parse(process.argv.slice(2)))
  .then(runUntilSignal)
  .then(() => process.exit(0))
  .catch((err: Error) => {
    console.error(`error: ${err.message}`);
    process.exit(1);
  });
