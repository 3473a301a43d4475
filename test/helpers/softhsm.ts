/**
 * A real SoftHSM2 token store for tests (Debian's `softhsm2`): one temporary token directory per test process, named
 * by `SOFTHSM2_CONF` before the module is first loaded (SoftHSM2 reads it once, at C_Initialize) and inherited by the
 * child processes the tests start. Each call of {@link freshToken} initialises a new token with its own label.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { initToken, SOFTHSM_MODULE } from "../../lib/hsm";

let dir: string | null = null;
let counter = 0;

/** The token directory of this test process (created, and SOFTHSM2_CONF set, on first use). */
export function softhsmDir(): string {
  if (dir !== null) return dir;
  if (!fs.existsSync(SOFTHSM_MODULE)) throw new Error(`SoftHSM2 is not installed (${SOFTHSM_MODULE}): apt-get install softhsm2`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "softhsm-"));
  fs.mkdirSync(path.join(dir, "tokens"));
  const conf = path.join(dir, "softhsm2.conf");
  fs.writeFileSync(conf, `directories.tokendir = ${path.join(dir, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  process.env.SOFTHSM2_CONF = conf;
  const d = dir;
  process.once("exit", () => fs.rmSync(d, { recursive: true, force: true }));
  return dir;
}

export const TEST_PIN = "246810";
export const TEST_SO_PIN = "13579";

/** Initialises a new token (label `<prefix>-<n>`) with {@link TEST_PIN}; returns its label. */
export function freshToken(prefix = "test"): string {
  softhsmDir();
  const label = `${prefix}-${process.pid}-${++counter}`.slice(0, 32);
  initToken({ label, soPin: TEST_SO_PIN, pin: TEST_PIN });
  return label;
}
