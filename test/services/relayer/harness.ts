/**
 * The relayer process tests' harness: two anvil chains with the bridge and relayer processes come from
 * `bench/bridge/harness.ts` (shared with the relayer benchmark); the polling helpers from `test/helpers/net`.
 */
import { freePort, waitFor as waitUntil } from "../../helpers/net";

export {
  ROOT,
  anvilClock,
  blockTicker,
  children,
  deployBridges,
  hardhat,
  killAll,
  rpc,
  run,
  spawnRelayer,
  startAnvil,
  type Anvil,
  type Bridges,
  type RelayerProc,
} from "../../../bench/bridge/harness";

export { freePort };

/** Waits until `cond` holds (polling), or fails after `ms` with `what`. */
export async function waitFor(what: string, cond: () => Promise<boolean>, ms = 30_000, every = 200): Promise<void> {
  await waitUntil(what, cond, ms, every);
}
