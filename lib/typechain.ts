/**
 * The generated typechain factories, loaded on first use. They are written by `hardhat compile`, which runs after
 * the Hardhat config — and so every task module and what it imports — has loaded: a top-level value import of
 * `typechain-types` breaks a clean checkout before it can compile. Type-only imports are fine anywhere.
 */
import type * as Typechain from "../typechain-types";
import { LuniverseError } from "./errors";

let loaded: typeof Typechain | null = null;

export function typechain(): typeof Typechain {
  if (loaded === null) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = require("../typechain-types") as typeof Typechain;
    } catch (err) {
      throw new LuniverseError("BINDINGS_MISSING", `the contract bindings (typechain-types/) are missing: run \`npx hardhat compile\` first (${(err as Error).message.split("\n")[0]})`);
    }
  }
  return loaded;
}
