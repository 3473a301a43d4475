/**
 * HSM key management over PKCS#11 (docs/keys.md): initialise a token, create a secp256k1 key inside it, list its keys,
 * export a public key. PINs come from environment variables (HSM_PIN, HSM_SO_PIN), never from flags.
 */
import { task } from "./lib/task";
import { TaskError } from "./lib/errors";
import { getBytes } from "ethers";
import { Hsm, SOFTHSM_MODULE, initToken, listTokens } from "../lib/hsm";
import { loadKeystore } from "../lib/keystore";

function pinFrom(env: string, what: string): string {
  const pin = process.env[env];
  if (!pin) throw new TaskError(`${what}: set the environment variable ${env} (PINs are never given as flags)`);
  return pin;
}

function open(args: { token: string; module?: string; pinEnv: string }): Hsm {
  return Hsm.open({
    module: args.module ?? SOFTHSM_MODULE,
    token: args.token,
    pin: pinFrom(args.pinEnv, `the PIN of token "${args.token}"`),
  });
}

task("hsm:init-token", "Initialises a new HSM token (SoftHSM2 by default) with its SO PIN ($HSM_SO_PIN) and user PIN ($HSM_PIN)")
  .addParam("token", "Label of the new token (1 to 32 characters)")
  .addOptionalParam("module", "PKCS#11 module", SOFTHSM_MODULE)
  .addOptionalParam("pinEnv", "Environment variable with the user PIN", "HSM_PIN")
  .addOptionalParam("soPinEnv", "Environment variable with the security officer's PIN", "HSM_SO_PIN")
  .setAction(async (args: { token: string; module: string; pinEnv: string; soPinEnv: string }) => {
    initToken({
      module: args.module,
      label: args.token,
      soPin: pinFrom(args.soPinEnv, "the SO PIN"),
      pin: pinFrom(args.pinEnv, "the user PIN"),
    });
    const t = listTokens(args.module).find((x) => x.label === args.token)!;
    console.log(`token "${t.label}" initialised (serial ${t.serial}) in ${args.module}`);
  });

task("hsm:create-key", "Generates a secp256k1 key pair inside an HSM token (non-extractable) and prints its address")
  .addParam("token", "Label of the token")
  .addParam("label", "Label of the new key (e.g. relayer-1, validator-1)")
  .addOptionalParam("module", "PKCS#11 module", SOFTHSM_MODULE)
  .addOptionalParam("pinEnv", "Environment variable with the token's user PIN", "HSM_PIN")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { token: string; label: string; module: string; pinEnv: string; json: boolean }) => {
    const hsm = open(args);
    try {
      const key = hsm.generateKey(args.label);
      if (args.json)
        console.log(
          JSON.stringify({
            token: args.token,
            label: key.label,
            address: key.address,
            publicKey: "0x" + Buffer.from(key.publicKey).toString("hex"),
          })
        );
      else console.log(`key "${key.label}" created in token "${args.token}": address ${key.address}`);
    } finally {
      hsm.close();
    }
  });

task("hsm:list-keys", "Lists the secp256k1 keys of an HSM token with their addresses")
  .addParam("token", "Label of the token")
  .addOptionalParam("module", "PKCS#11 module", SOFTHSM_MODULE)
  .addOptionalParam("pinEnv", "Environment variable with the token's user PIN", "HSM_PIN")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { token: string; module: string; pinEnv: string; json: boolean }) => {
    const hsm = open(args);
    try {
      const keys = hsm.listKeys();
      if (args.json) console.log(JSON.stringify(keys.map((k) => ({ label: k.label, address: k.address }))));
      else if (keys.length === 0)
        console.log(`token "${args.token}" holds no keys (create one: npx hardhat hsm:create-key --token ${args.token} --label NAME)`);
      else for (const k of keys) console.log(`${k.label.padEnd(24)} ${k.address}`);
    } finally {
      hsm.close();
    }
  });

task("hsm:public-key", "Exports the public key (uncompressed, hex) and address of a key in an HSM token")
  .addParam("token", "Label of the token")
  .addParam("label", "Label of the key")
  .addOptionalParam("module", "PKCS#11 module", SOFTHSM_MODULE)
  .addOptionalParam("pinEnv", "Environment variable with the token's user PIN", "HSM_PIN")
  .setAction(async (args: { token: string; label: string; module: string; pinEnv: string }) => {
    const hsm = open(args);
    try {
      const key = hsm.requireKey(args.label);
      console.log(
        JSON.stringify(
          {
            label: key.label,
            address: key.address,
            publicKey: "0x" + Buffer.from(key.publicKey).toString("hex"),
          },
          null,
          2
        )
      );
    } finally {
      hsm.close();
    }
  });

task("hsm:import-key", "Moves the key of an encrypted JSON keystore into an HSM token (sensitive, non-extractable from then on)")
  .addParam("token", "Label of the token")
  .addParam("label", "Label of the key in the token")
  .addParam("keystore", "The encrypted JSON keystore to import (its password from --password-env)")
  .addOptionalParam("passwordEnv", "Environment variable with the keystore's password", "KEYSTORE_PASSWORD")
  .addOptionalParam("module", "PKCS#11 module", SOFTHSM_MODULE)
  .addOptionalParam("pinEnv", "Environment variable with the token's user PIN", "HSM_PIN")
  .setAction(async (args: { token: string; label: string; keystore: string; passwordEnv: string; module: string; pinEnv: string }) => {
    const wallet = await loadKeystore(args.keystore, { passwordEnv: args.passwordEnv });
    const hsm = open(args);
    try {
      const key = hsm.importKey(args.label, getBytes(wallet.privateKey));
      console.log(`key "${key.label}" imported into token "${args.token}": address ${key.address} (delete the keystore file once the HSM is backed up)`);
    } finally {
      hsm.close();
    }
  });
