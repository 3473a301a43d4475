/**
 * The project a scanned path belongs to, and how its imports resolve — as the build tools do.
 *
 * - **Foundry** (`foundry.toml` at or above the path): the `[profile.default]` `src`, `libs` (default `["lib"]`),
 *   `remappings` and `evm_version`; `remappings.txt` at the root; each dependency's own `remappings.txt` (its targets
 *   taken relative to the dependency); and the remappings forge derives itself from every `lib/<name>` — to
 *   `lib/<name>/src/` when it has one, else `lib/<name>/contracts/`, else `lib/<name>/` — and recursively from the
 *   dependencies' own `lib/` folders (forge-std's `lib/ds-test/src/` gives `ds-test/`). Remappings written by the
 *   project win over a dependency's, which win over derived ones.
 * - **Hardhat** (`hardhat.config.{ts,js,cjs,mjs}`): imports such as `@openzeppelin/...` come from `node_modules`
 *   (walked up from the importing file, as Node does), plus `remappings.txt` when the project has one
 *   (hardhat-foundry projects).
 * - **plain**: the nearest `package.json` folder (or the path itself): relative imports and `node_modules`.
 *
 * Dependencies (`libs`, `node_modules`) are compiled but never reported.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parse as parseToml } from "smol-toml";
import { LuniverseError } from "../lib/errors";

export type ProjectKind = "foundry" | "hardhat" | "plain";

/** `context:prefix=target`: an import starting with `prefix`, in a file under `context`, is looked up at `target`. */
export interface Remapping {
  /** Absolute folder (with a trailing "/") the importing file must be under; "" for every file. */
  context: string;
  prefix: string;
  /** Absolute path the prefix is replaced with. */
  target: string;
  /** Where it comes from: "foundry.toml", "remappings.txt", "lib/<name>/remappings.txt", "derived". */
  origin: string;
}

export interface Project {
  kind: ProjectKind;
  /** The project's root folder (where its config file is). */
  root: string;
  /** The config file that gave the kind (undefined for plain). */
  configFile?: string;
  /** Absolute dependency folders: compiled, not reported (`lib/` for Foundry, `node_modules` always). */
  libs: string[];
  /** Ordered by precedence: the first match of the longest prefix wins. */
  remappings: Remapping[];
  /** Compiler settings the project sets (Foundry's `evm_version`). */
  settings: { evmVersion?: string };
}

export class AuditProjectError extends LuniverseError<"AUDIT_PROJECT"> {
  override name = "AuditProjectError";
  constructor(message: string, hint?: string) {
    super("AUDIT_PROJECT", message, hint === undefined ? undefined : { hint });
  }
}

const HARDHAT_CONFIGS = ["hardhat.config.ts", "hardhat.config.js", "hardhat.config.cjs", "hardhat.config.mjs"];

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function withSlash(p: string): string {
  return p.endsWith("/") ? p : `${p}/`;
}

function posix(p: string): string {
  return p.split(path.sep).join("/");
}

/**
 * The project `target` (a file or folder) belongs to: the nearest folder at or above it with `foundry.toml`, else one
 * with a Hardhat config, else one with `package.json`; else a plain project rooted at the target's folder.
 */
/** Whether a folder holds a build tool's config (foundry.toml or a Hardhat config): the root of a project. */
export function isProjectRoot(dir: string): boolean {
  return existsSync(path.join(dir, "foundry.toml")) || HARDHAT_CONFIGS.some((f) => existsSync(path.join(dir, f)));
}

export function detectProject(target: string): Project {
  const start = path.resolve(isDir(target) ? target : path.dirname(target));
  let foundPackage: string | undefined;
  // the nearest folder with a build tool's config wins (Foundry before Hardhat in the same folder: it has remappings)
  for (let dir = start; ; ) {
    if (existsSync(path.join(dir, "foundry.toml"))) return foundryProject(dir);
    const hh = HARDHAT_CONFIGS.find((f) => existsSync(path.join(dir, f)));
    if (hh) return { kind: "hardhat", root: dir, configFile: path.join(dir, hh), libs: [path.join(dir, "node_modules")], remappings: remappingsFile(dir, "remappings.txt"), settings: {} };
    if (!foundPackage && existsSync(path.join(dir, "package.json"))) foundPackage = dir;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const root = foundPackage ?? start;
  return { kind: "plain", root, libs: [path.join(root, "node_modules")], remappings: remappingsFile(root, "remappings.txt"), settings: {} };
}

interface FoundryProfile {
  src?: unknown;
  libs?: unknown;
  remappings?: unknown;
  evm_version?: unknown;
}

function foundryProject(root: string): Project {
  const configFile = path.join(root, "foundry.toml");
  let profile: FoundryProfile = {};
  try {
    // forge's own defaults hold integers beyond 2^53 (gas_limit = 9223372036854775807): read those as bigint
    const parsed = parseToml(readFileSync(configFile, "utf8"), { integersAsBigInt: "asNeeded" }) as { profile?: { default?: FoundryProfile } };
    profile = parsed.profile?.default ?? {};
  } catch (e) {
    throw new AuditProjectError(`${configFile} is not valid TOML: ${(e as Error).message.split("\n")[0]}`, "fix the file (forge build reads it too), or scan a folder outside the project");
  }
  const strings = (key: keyof FoundryProfile): string[] | undefined => {
    const v = profile[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw new AuditProjectError(`${configFile}: [profile.default] ${key} must be an array of strings`);
    return v as string[];
  };
  const libs = (strings("libs") ?? ["lib"]).map((l) => path.resolve(root, l));
  const remappings: Remapping[] = [];
  for (const line of strings("remappings") ?? []) {
    const r = parseRemapping(line, root, "foundry.toml");
    if (r) remappings.push(r);
  }
  remappings.push(...remappingsFile(root, "remappings.txt"));
  // the dependencies' own remappings.txt, then what forge derives from the lib folders (nested ones too) — except
  // where the project names the same prefix itself: like forge, its own remapping wins, with or without the trailing
  // slash (`@openzeppelin=lib/openzeppelin-contracts` over a dependency's `@openzeppelin/=lib/…/openzeppelin-contracts/`)
  const own = new Set(remappings.filter((r) => r.context === "").map((r) => r.prefix.replace(/\/+$/, "")));
  const fromLibs: Remapping[] = [];
  const derived: Remapping[] = [];
  for (const lib of libs) collectLibRemappings(lib, root, fromLibs, derived, 0);
  const unclaimed = (r: Remapping): boolean => r.context !== "" || !own.has(r.prefix.replace(/\/+$/, ""));
  remappings.push(...closestFirst([...fromLibs, ...derived].filter(unclaimed)));
  const evm = profile.evm_version;
  return { kind: "foundry", root, configFile, libs: [...libs, path.join(root, "node_modules")], remappings, settings: typeof evm === "string" ? { evmVersion: evm } : {} };
}

/**
 * One remapping per context and prefix among the dependencies' ones, as forge keeps them: the target closest to the
 * root (fewest path segments) wins, the first one on a tie — MagicSea's `lib/openzeppelin-contracts/remappings.txt`
 * names `@openzeppelin/contracts/` as `lib/joe-v2/remappings.txt` does for joe-v2's own nested copy; forge compiles
 * against the top-level copy, and two copies of one interface do not compile together. A target that is not there (a
 * nested submodule nobody checked out: PoolTogether's `pt-v5-vault/lib/pt-v5-twab-controller/lib/ring-buffer-lib`)
 * loses to one that is, however close it is.
 */
function closestFirst(list: Remapping[]): Remapping[] {
  const segments = (r: Remapping): number => r.target.split("/").filter(Boolean).length;
  const there = new Map<Remapping, boolean>();
  const present = (r: Remapping): boolean => {
    if (!there.has(r)) there.set(r, r.target.endsWith("/") ? isDir(r.target) : existsSync(r.target));
    return there.get(r)!;
  };
  const kept = new Map<string, Remapping>();
  for (const r of list) {
    const key = `${r.context}\0${r.prefix}`;
    const prev = kept.get(key);
    if (!prev || (present(r) && !present(prev)) || (present(r) === present(prev) && segments(prev) > segments(r))) kept.set(key, r);
  }
  return [...kept.values()];
}

/** Every `lib/<name>` of a lib folder: its remappings.txt, the derived `<name>/` remapping, and its own lib folder. */
function collectLibRemappings(libDir: string, root: string, own: Remapping[], derived: Remapping[], depth: number): void {
  if (depth > 4 || !isDir(libDir)) return;
  for (const entry of readdirSync(libDir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const dep = path.join(libDir, entry.name);
    // a submodule not checked out (an empty folder) maps nothing
    if (readdirSync(dep).length === 0) continue;
    const origin = `${posix(path.relative(root, dep))}/remappings.txt`;
    own.push(...remappingsFile(dep, "remappings.txt", origin));
    const base = ["src", "contracts"].map((d) => path.join(dep, d)).find(isDir) ?? dep;
    derived.push({ context: "", prefix: `${entry.name}/`, target: withSlash(posix(base)), origin: "derived" });
    collectLibRemappings(path.join(dep, "lib"), root, own, derived, depth + 1);
  }
}

/** The remappings of `<dir>/<file>` (targets relative to `dir`); none when there is no such file. */
function remappingsFile(dir: string, file: string, origin = file): Remapping[] {
  const p = path.join(dir, file);
  if (!existsSync(p)) return [];
  const out: Remapping[] = [];
  for (const line of readFileSync(p, "utf8").split(/\r?\n/)) {
    const r = parseRemapping(line, dir, origin);
    if (r) out.push(r);
  }
  return out;
}

/** One `[context:]prefix=target` line (blank lines and `#` comments give undefined). */
export function parseRemapping(line: string, base: string, origin: string): Remapping | undefined {
  const text = line.trim();
  if (text === "" || text.startsWith("#")) return undefined;
  const eq = text.indexOf("=");
  if (eq <= 0) throw new AuditProjectError(`${origin}: "${text}" is not a remapping`, "write [context:]prefix=target, e.g. @openzeppelin/=lib/openzeppelin-contracts/");
  const left = text.slice(0, eq);
  const colon = left.indexOf(":");
  const context = colon >= 0 ? left.slice(0, colon) : "";
  const prefix = colon >= 0 ? left.slice(colon + 1) : left;
  const rawTarget = text.slice(eq + 1);
  // as forge normalises it: a prefix ending in `/` maps onto a folder (`@oz/=lib/oz/contracts` means `…/contracts/`)
  const target = posix(path.resolve(base, rawTarget)) + (rawTarget.endsWith("/") || prefix.endsWith("/") ? "/" : "");
  return { context: context === "" ? "" : withSlash(posix(path.resolve(base, context))), prefix, target, origin };
}

/**
 * Where `importPath` (non-relative) points for a file at `importerFile` (absolute): the longest matching prefix among
 * the remappings whose context holds the importer (a longer context first), in precedence order. Undefined when none
 * matches.
 */
export function applyRemappings(remappings: Remapping[], importerFile: string, importPath: string): string | undefined {
  const importer = posix(importerFile);
  let best: Remapping | undefined;
  for (const r of remappings) {
    if (r.context !== "" && !importer.startsWith(r.context)) continue;
    if (!importPath.startsWith(r.prefix)) continue;
    if (!best || r.context.length > best.context.length || (r.context.length === best.context.length && r.prefix.length > best.prefix.length)) best = r;
  }
  return best ? best.target + importPath.slice(best.prefix.length) : undefined;
}

/** Whether `file` is in one of the project's dependency folders. */
export function isDependency(project: Project, file: string): boolean {
  const f = posix(path.resolve(file));
  return project.libs.some((l) => f.startsWith(withSlash(posix(l)))) || f.split("/").includes("node_modules");
}
