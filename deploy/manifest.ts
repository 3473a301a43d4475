import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "./config";

/**
 * How a contract of the manifest is deployed: `uups` proxy, `none` (a plain contract), or `implementation`
 * (logic behind beacon proxies or clones that a factory creates, never called directly).
 */
export type ProxyKind = "uups" | "none" | "implementation";

export interface ManifestEntry {
  name: string;
  address: string;
  proxyKind: ProxyKind;
  /** Implementation behind the proxy (UUPS only). */
  implementation?: string;
}

/** `deployments/<network>.json`: what `deploy:system` deployed on one network. */
export interface Manifest {
  network: string;
  chainId: number;
  deployer: string;
  updatedAt: string;
  contracts: Record<string, ManifestEntry>;
}

export function manifestPath(dir: string, network: string): string {
  return path.join(dir, `${network}.json`);
}

export function readManifest(file: string): Manifest | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = JSON.parse(readFileSync(file, "utf8")) as Manifest;
  if (typeof parsed.chainId !== "number" || typeof parsed.contracts !== "object") {
    throw new ConfigError(`${file} is not a deployment manifest (no chainId/contracts); move it away and deploy again`);
  }
  return parsed;
}

/** Writes atomically (temp file + rename) so a crash never leaves a half-written manifest. */
export function writeManifest(file: string, manifest: Manifest): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(tmp, file);
}
