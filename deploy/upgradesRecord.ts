/**
 * The OpenZeppelin upgrades plugin's record of a network (`.openzeppelin/unknown-<chainId>.json`): the proxies and,
 * for each implementation, its address and storage layout. A later `upgrades.prepareUpgrade` / `validateUpgrade`
 * on that network compares a new implementation's layout with the recorded one.
 *
 * The plugin writes it itself when it deploys (Hardhat tasks, test fixtures). A deployment made without it
 * (deploy/context.ts `artifactDeployContext`, e.g. a genesis build) writes the same record from here: same keys (the
 * implementation's bytecode hash without metadata), same layouts (from the plugin's validation data,
 * `cache/validations.json`, written by `hardhat compile`), no transaction hashes (the plugin then checks the code at
 * the address). Only `@openzeppelin/upgrades-core` is used — not the Hardhat plugin.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  Manifest,
  assertUpgradeSafe,
  getStorageLayout,
  getUnlinkedBytecode,
  getVersion,
  isCurrentValidationData,
  withValidationDefaults,
  type ManifestData,
  type StorageLayout,
  type ValidationData,
} from "@openzeppelin/upgrades-core";
import { ConfigError } from "./config";

export type { ValidationData };

/** The record's content (upgrades-core's `ManifestData`). */
export type UpgradesRecord = ManifestData;

/** The validation data `hardhat compile` leaves for the plugin (default `<repository>/cache/validations.json`). */
export function defaultValidationsFile(root = path.resolve(__dirname, "..")): string {
  return path.join(root, "cache", "validations.json");
}

/** Reads the plugin's validation data; a missing or outdated file says to compile. */
export function readValidations(file: string): ValidationData {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ConfigError(`cannot read the upgrades plugin's validations ${file} (${(e as Error).message.split("\n")[0]}): run npx hardhat compile`);
  }
  if (!isCurrentValidationData(data as ValidationData)) throw new ConfigError(`${file} is outdated: run npx hardhat compile --force`);
  return data as ValidationData;
}

function versionOf(validations: ValidationData, bytecode: string) {
  return getVersion(getUnlinkedBytecode(validations, bytecode), bytecode, "0x");
}

/** The plugin's upgrade-safety check of a UUPS implementation (throws its `ValidationErrors` with the report). */
export function assertUpgradeSafeImplementation(validations: ValidationData, bytecode: string, name: string): void {
  let version;
  try {
    version = versionOf(validations, bytecode);
    getStorageLayout(validations, version); // throws when the validations do not know this bytecode
  } catch (e) {
    throw new ConfigError(`${name}: the upgrades plugin's validations do not cover this build (${(e as Error).message.split("\n")[0]}): run npx hardhat compile`);
  }
  assertUpgradeSafe(validations, version, withValidationDefaults({ kind: "uups" }));
}

/** The record key (bytecode hash without metadata) and storage layout of an implementation with this creation bytecode. */
export function implementationRecord(validations: ValidationData, bytecode: string): { version: string; layout: StorageLayout } {
  const version = versionOf(validations, bytecode);
  return { version: version.linkedWithoutMetadata, layout: getStorageLayout(validations, version) };
}

/** Where the plugin keeps its record of chain `chainId`, under `root` (`.openzeppelin/unknown-<chainId>.json`). */
export function upgradesRecordFile(root: string, chainId: number): string {
  return path.resolve(root, new Manifest(chainId).file);
}

/**
 * Writes `record` as the plugin does (its key order, two-space JSON), atomically. `merge` keeps what the file
 * already records (a chain that goes on); without it the file is replaced (a new chain: what was recorded is void).
 */
export function writeUpgradesRecord(file: string, record: UpgradesRecord, options: { merge?: boolean } = {}): void {
  let base: UpgradesRecord = { manifestVersion: record.manifestVersion, proxies: [], impls: {} };
  if (options.merge && existsSync(file)) base = JSON.parse(readFileSync(file, "utf8")) as UpgradesRecord;
  const known = new Set(base.proxies.map((p) => p.address.toLowerCase()));
  const data: UpgradesRecord = {
    manifestVersion: base.manifestVersion,
    ...(base.admin ? { admin: base.admin } : {}),
    proxies: [...base.proxies, ...record.proxies.filter((p) => !known.has(p.address.toLowerCase()))],
    // an implementation already recorded stays as it is (the plugin reuses it too)
    impls: { ...base.impls, ...Object.fromEntries(Object.entries(record.impls).filter(([k]) => base.impls[k] === undefined)) },
  };
  // upgrades-core's normalizeManifestData: these keys, in this order
  const normalized = {
    manifestVersion: data.manifestVersion,
    admin: data.admin,
    proxies: data.proxies.map((p) => ({ address: p.address, txHash: p.txHash, remoteDeploymentId: p.remoteDeploymentId, kind: p.kind })),
    impls: Object.fromEntries(
      Object.entries(data.impls).map(([k, i]) => [k, i && { address: i.address, txHash: i.txHash, remoteDeploymentId: i.remoteDeploymentId, layout: i.layout, allAddresses: i.allAddresses }]),
    ),
  };
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(normalized, null, 2) + "\n");
  renameSync(tmp, file);
}
