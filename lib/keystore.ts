import { existsSync, readFileSync } from "node:fs";
import readline from "node:readline";
import { Writable } from "node:stream";
import { Wallet, isKeystoreJson, type HDNodeWallet } from "ethers";
import { LuniverseError } from "./errors";

/** A keystore that cannot be opened; the message says what to do. */
export class KeystoreError extends LuniverseError<"KEYSTORE_MISSING" | "KEYSTORE_INVALID" | "KEYSTORE_WRONG_PASSWORD" | "KEYSTORE_NO_PASSWORD"> {
  override name = "KeystoreError";
}

export interface LoadKeystoreOptions {
  /** Environment variable holding the password (default `KEYSTORE_PASSWORD`). */
  passwordEnv?: string;
  /** The password itself (takes precedence over the environment; tests). */
  password?: string;
  /** Ask on the terminal when no password is given and stdin is a TTY (default true). */
  prompt?: boolean;
}

/** Reads a password from the terminal without echoing it. */
export function promptPassword(question: string): Promise<string> {
  const muted = new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
  });
  return new Promise((resolve) => {
    process.stderr.write(question);
    const rl = readline.createInterface({ input: process.stdin, output: muted, terminal: true });
    rl.question("", (answer) => {
      rl.close();
      process.stderr.write("\n");
      resolve(answer);
    });
  });
}

/** Finds the password: explicit, then the environment variable, then a prompt on a terminal. */
export async function resolvePassword(what: string, options: LoadKeystoreOptions = {}): Promise<string> {
  const env = options.passwordEnv ?? "KEYSTORE_PASSWORD";
  if (options.password !== undefined) return options.password;
  const fromEnv = process.env[env];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if ((options.prompt ?? true) && process.stdin.isTTY) return promptPassword(`password for ${what}: `);
  throw new KeystoreError("KEYSTORE_NO_PASSWORD", `no password for ${what}: set ${env} in the environment or run on a terminal to be asked`);
}

/**
 * Loads an ethers encrypted JSON keystore (`Wallet.encrypt` / web3 secret storage v3). Clear errors for a missing
 * file, a file that is not a keystore, and a wrong password.
 */
export async function loadKeystore(file: string, options: LoadKeystoreOptions = {}): Promise<Wallet | HDNodeWallet> {
  if (!existsSync(file)) {
    throw new KeystoreError("KEYSTORE_MISSING", `keystore ${file} does not exist; create it first (npx hardhat bridge:keystore --out <dir>)`);
  }
  const json = readFileSync(file, "utf8");
  if (!isKeystoreJson(json)) throw new KeystoreError("KEYSTORE_INVALID", `${file} is not an encrypted JSON keystore (web3 secret storage v3)`);
  const password = await resolvePassword(file, options);
  try {
    return await Wallet.fromEncryptedJson(json, password);
  } catch (e) {
    const msg = (e as Error).message;
    if (/incorrect password/i.test(msg)) {
      throw new KeystoreError("KEYSTORE_WRONG_PASSWORD", `wrong password for keystore ${file}`);
    }
    throw new KeystoreError("KEYSTORE_INVALID", `cannot decrypt keystore ${file}: ${msg}`);
  }
}
