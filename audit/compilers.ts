/**
 * The Solidity compilers installed as npm packages (`solc` and aliases such as `solc-0.4.26@npm:solc@0.4.26`),
 * found without loading them; each is loaded on first use only (loading a soljson takes ~0.3 s).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import semver from "semver";

export interface InstalledCompiler {
  version: string;
  /** Package folder, e.g. node_modules/solc-0.4.26. */
  dir: string;
}

/** The subset of the solc-js wrapper API the scanner uses (it differs between 0.4 and 0.8). */
interface SolcModule {
  version(): string;
  compile(input: string, callbacks?: unknown): string;
  compileStandardWrapper?: (input: string) => string;
}

export interface CompilersOptions {
  /** Folders whose node_modules are searched (the project root by default). */
  roots?: string[];
}

export class CompilerSet {
  readonly installed: InstalledCompiler[];
  private readonly loaded = new Map<string, SolcModule>();

  constructor(options: CompilersOptions = {}) {
    const roots = options.roots ?? [process.cwd()];
    const found = new Map<string, InstalledCompiler>();
    for (const root of roots) {
      const nm = path.join(root, "node_modules");
      if (!existsSync(nm)) continue;
      for (const name of readdirSync(nm)) {
        if (name !== "solc" && !/^solc[-_]?v?\d+\.\d+\.\d+$/.test(name)) continue;
        const pkgFile = path.join(nm, name, "package.json");
        if (!existsSync(pkgFile) || !existsSync(path.join(nm, name, "soljson.js"))) continue;
        try {
          const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as { name?: string; version?: string };
          if (pkg.name !== "solc" || !pkg.version || !semver.valid(pkg.version)) continue;
          if (!found.has(pkg.version)) found.set(pkg.version, { version: pkg.version, dir: path.join(nm, name) });
        } catch {
          // not a compiler package
        }
      }
    }
    this.installed = [...found.values()].sort((a, b) => semver.rcompare(a.version, b.version));
  }

  versions(): string[] {
    return this.installed.map((c) => c.version);
  }

  /** The newest installed version satisfying a semver range (solidity pragma syntax). */
  pick(range: string): string | undefined {
    return this.installed.find((c) => satisfies(c.version, range))?.version;
  }

  /**
   * For a pragma no installed compiler satisfies: the installed version closest to what it asks for,
   * preferring the same minor (0.4.x for `0.4.9`).
   */
  closest(range: string): string | undefined {
    const min = semver.minVersion(normalizeRange(range) ?? "0.0.0")?.version ?? "0.8.0";
    const sameMinor = this.installed.filter((c) => semver.minor(c.version) === semver.minor(min) && semver.major(c.version) === semver.major(min));
    const pool = sameMinor.length > 0 ? sameMinor : this.installed;
    let best: InstalledCompiler | undefined;
    let bestDist = Infinity;
    for (const c of pool) {
      const dist = Math.abs(semver.minor(c.version) * 1000 + semver.patch(c.version) - (semver.minor(min) * 1000 + semver.patch(min)));
      if (dist < bestDist) {
        best = c;
        bestDist = dist;
      }
    }
    return best?.version;
  }

  /** Standard-JSON compile with the given version; loads the compiler on first use. */
  compile(version: string, input: object): unknown {
    const solc = this.load(version);
    const json = JSON.stringify(input);
    let raw: string;
    try {
      raw = solc.compileStandardWrapper ? solc.compileStandardWrapper(json) : solc.compile(json);
    } catch (e) {
      // a trap ("memory access out of bounds") leaves the emscripten module broken: the next compile loads it afresh
      this.unload(version);
      throw e;
    }
    return JSON.parse(raw) as unknown;
  }

  private unload(version: string): void {
    const entry = this.installed.find((c) => c.version === version);
    this.loaded.delete(version);
    if (!entry) return;
    const dir = path.resolve(entry.dir) + path.sep;
    for (const key of Object.keys(require.cache)) if (key.startsWith(dir)) delete require.cache[key];
  }

  private load(version: string): SolcModule {
    const cached = this.loaded.get(version);
    if (cached) return cached;
    const entry = this.installed.find((c) => c.version === version);
    if (!entry) throw new Error(`solc ${version} is not installed`);
    quietAsmJsWarnings();
    // each soljson (emscripten) adds its own process listeners: more than ten loaded compilers is expected here
    process.setMaxListeners(Math.max(process.getMaxListeners(), 2 * (this.loaded.size + 1) + 10));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(entry.dir) as SolcModule;
    this.loaded.set(version, mod);
    return mod;
  }
}

/** Turns a Solidity version pragma ("^0.4.24", ">=0.4.22 <0.6.0", "0.8.28") into a semver range. */
export function normalizeRange(range: string): string | undefined {
  const cleaned = range
    .replace(/\s+/g, " ")
    .replace(/([<>=^~]+)\s+/g, "$1")
    .trim();
  return semver.validRange(cleaned) ?? undefined;
}

export function satisfies(version: string, range: string): boolean {
  const r = normalizeRange(range);
  return r !== undefined && semver.satisfies(version, r);
}

let quieted = false;

/**
 * Old soljson builds (0.4.x) are asm.js that V8 rejects with a harmless "Invalid asm.js" warning and then runs
 * as plain JavaScript; drop that one warning, pass every other warning on.
 */
function quietAsmJsWarnings(): void {
  if (quieted) return;
  quieted = true;
  const listeners = process.listeners("warning");
  process.removeAllListeners("warning");
  process.on("warning", (w: Error) => {
    if (/Invalid asm\.js/.test(w.message)) return;
    if (listeners.length === 0) process.stderr.write(`(node:${process.pid}) ${w.name}: ${w.message}\n`);
    for (const l of listeners) l(w);
  });
}
