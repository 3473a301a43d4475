/**
 * The devnet's HSM step, run as its own process (SoftHSM2 reads SOFTHSM2_CONF once per process):
 *   SOFTHSM2_CONF=… HSM_PIN=… HSM_SO_PIN=… node -r ts-node/register/transpile-only devnet/hsmSetup.ts --token devnet \
 *     --import relayer-1=10,relayer-2=11,… --generate signer-audit
 * Initialises the token when missing, imports the development accounts whose addresses the devnet's genesis names
 * (label=account index), generates the keys that are new, and prints `{"event":"hsm","keys":{label: address}}`.
 * Every step is skipped when already done, so a restart changes nothing.
 */
import { devWallet } from "../lib/accounts";
import { parseCommandLine } from "../lib/args";
import { Hsm, initToken, listTokens } from "../lib/hsm";
import { getBytes } from "ethers";

function main(): void {
  const { values: a } = parseCommandLine(process.argv.slice(2), { token: { type: "string" }, import: { type: "string", default: "" }, generate: { type: "string", default: "" } }, "usage: devnet/hsmSetup.ts --token LABEL [--import label=account,…] [--generate label,…]");
  const token = a.token!;
  const pin = process.env.HSM_PIN!;
  if (!listTokens().some((t) => t.label === token)) initToken({ label: token, soPin: process.env.HSM_SO_PIN!, pin });
  const hsm = Hsm.open({ token, pin });
  const keys: Record<string, string> = {};
  for (const item of a.import.split(",").filter(Boolean)) {
    const [label, account] = item.split("=");
    keys[label!] = (hsm.findKey(label!) ?? hsm.importKey(label!, getBytes(devWallet(Number(account)).privateKey))).address;
  }
  for (const label of a.generate.split(",").filter(Boolean)) keys[label] = (hsm.findKey(label) ?? hsm.generateKey(label)).address;
  hsm.close();
  process.stdout.write(`${JSON.stringify({ event: "hsm", token, keys })}\n`);
}

try {
  main();
} catch (e) {
  process.stderr.write(`error: ${(e as Error).message}\n`);
  process.exit(1);
}
