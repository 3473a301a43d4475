/**
 * Compiles the scanned files to ASTs: one compiler per file chosen from its pragma among the installed npm
 * compilers, many files per compiler run, outputs cached on disk. A file that does not compile is reported
 * with the compiler's message and analysed from its parse tree instead; it never stops the others.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
  renameSync,
} from "node:fs";
import path from "node:path";
import type { AstNode } from "./ast/node";
import { LineIndex } from "./ast/lines";
import { Program, type SourceFile } from "./ast/program";
import type { CompilerSet } from "./compilers";
import { normalizeRange, satisfies } from "./compilers";
import { parseToAst } from "./parseFallback";
import type { Remapping } from "./project";
import {
  importClosure,
  relaxPragmas,
  toUnitName,
  versionRange,
} from "./sources";
import type { CompileStatus, FileStatus } from "./types";
import semver from "semver";

export interface CompileOptions {
  compilers: CompilerSet;
  /** Where node_modules and non-relative imports are looked up. */
  roots: string[];
  /** Cache folder (cache/audit); undefined disables the cache. */
  cacheDir?: string;
  /** The project's remappings (audit/project.ts). */
  remappings?: Remapping[];
  /** The project's EVM version (Foundry's `evm_version`), given to compilers that know it. */
  evmVersion?: string;
  /** Said after "Import not found": how the project's imports were resolved and what to do. */
  importHint?: string;
  /** Called after each file is settled (for progress). */
  onFile?: (absPath: string) => void;
}

export interface CompiledFile {
  absPath: string;
  status: Omit<FileStatus, "file">;
  /** The program the file belongs to (undefined only when even parsing failed). */
  program?: Program;
  source?: SourceFile;
}

interface Plan {
  absPath: string;
  unit: string;
  version: string;
  relaxed: boolean;
  units: Map<string, { absPath: string; text: string }>;
  failure?: string;
}

interface SolcError {
  severity?: string;
  type?: string;
  formattedMessage?: string;
  message?: string;
  sourceLocation?: { file?: string };
}

interface SolcOutput {
  errors?: SolcError[];
  sources?: Record<string, { id: number; ast?: AstNode }>;
}

export async function compileFiles(
  targets: string[],
  options: CompileOptions
): Promise<Map<string, CompiledFile>> {
  const { compilers } = options;
  const results = new Map<string, CompiledFile>();
  const plans: Plan[] = [];
  const newest = compilers.versions()[0];

  for (const absPath of targets) {
    const closure = importClosure(
      absPath,
      options.roots,
      undefined,
      options.remappings
    );
    const unit = toUnitName(absPath);
    const ranges = [...closure.units.values()]
      .map((u) => versionRange(u.text))
      .filter((r) => r !== "");
    const own = versionRange(closure.units.get(unit)!.text);
    let version = compilers
      .versions()
      .find((v) => ranges.every((r) => satisfies(v, r)));
    let relaxed = false;
    if (!version) {
      // the closure's strictest pragma (an exact `0.8.21` a file imports), not the file's own open one (`>=0.6.0`,
      // hardhat-exposed's generated wrappers), decides the language the code needs
      const strictest = [own, ...ranges].filter((r) => r !== "").sort((a, b) => semver.rcompare(minimumOf(a), minimumOf(b)))[0];
      version = strictest ? compilers.closest(strictest) : newest;
      relaxed = version !== undefined;
    }
    const plan: Plan = {
      absPath,
      unit,
      version: version ?? "",
      relaxed,
      units: closure.units,
    };
    if (closure.missing.length > 0)
      plan.failure = `Import not found: ${closure.missing.join(", ")}${
        options.importHint ? `; ${options.importHint}` : ""
      }`;
    else if (!version)
      plan.failure = "No Solidity compiler is installed (npm i solc)";
    if (relaxed && !plan.failure) {
      for (const [name, u] of plan.units) {
        const r = versionRange(u.text);
        if (r && !satisfies(plan.version, r))
          plan.units.set(name, {
            absPath: u.absPath,
            text: relaxPragmas(u.text),
          });
      }
    }
    plans.push(plan);
  }

  // Group by compiler version; compile each group in as few runs as possible.
  const groups = new Map<string, Plan[]>();
  for (const p of plans) {
    if (p.failure) continue;
    groups.set(p.version, [...(groups.get(p.version) ?? []), p]);
  }
  const versions = [...groups.keys()].sort((a, b) => semver.rcompare(a, b));
  for (const version of versions) {
    const batches = [groups.get(version)!];
    while (batches.length > 0) {
      let pending = batches.pop()!;
      while (pending.length > 0) {
        const units = new Map<string, { absPath: string; text: string }>();
        for (const p of pending) for (const [k, v] of p.units) units.set(k, v);
        let compiled: { output: SolcOutput; cached: boolean };
        try {
          compiled = compileCached(options, version, units);
        } catch (e) {
          // A compiler crash must not stop the scan. solc-js can run out of memory on a whole project at once (Bond's
          // 64 files with their tests): compile it in halves, so only a file that crashes the compiler on its own goes
          // to the parse-tree fallback.
          if (pending.length > 1) {
            const half = Math.ceil(pending.length / 2);
            batches.push(pending.slice(half));
            pending = pending.slice(0, half);
            continue;
          }
          pending[0]!.failure = `solc ${version} crashed: ${
            (e as Error).message
          }`;
          break;
        }
        const { output, cached } = compiled;
        const errors = (output.errors ?? []).filter(
          (e) => e.severity === "error"
        );
        if (errors.length === 0) {
          const program = buildProgram(output, units, version);
          for (const p of pending) {
            const source = program.files.find((f) => f.unitName === p.unit);
            const status: CompileStatus = p.relaxed
              ? "compiled-relaxed-pragma"
              : "compiled";
            const message = p.relaxed
              ? `No installed compiler matches pragma ${versionRange(
                  readText(p)
                )}; compiled with solc ${version} and the pragma ignored`
              : undefined;
            results.set(p.absPath, {
              absPath: p.absPath,
              status: { status, compiler: version, message, cached },
              program,
              source,
            });
            options.onFile?.(p.absPath);
          }
          break;
        }
        // Files whose closure has an error fail; the others are compiled again without them.
        const failingUnits = new Map<string, string[]>();
        let unlocated = false;
        for (const e of errors) {
          const f = e.sourceLocation?.file;
          if (!f) {
            unlocated = true;
            continue;
          }
          failingUnits.set(f, [
            ...(failingUnits.get(f) ?? []),
            cleanMessage(e, options.roots),
          ]);
        }
        const next: Plan[] = [];
        for (const p of pending) {
          const msgs = [...p.units.keys()].flatMap(
            (u) => failingUnits.get(u) ?? []
          );
          if (msgs.length > 0 || (unlocated && pending.length === 1)) {
            const text =
              msgs.length > 0
                ? msgs.slice(0, 3).join("\n")
                : errors.map((e) => cleanMessage(e, options.roots)).join("\n");
            p.failure = text;
          } else next.push(p);
        }
        if (unlocated && next.length === pending.length) {
          // Errors without a location: compile one by one.
          for (const p of next.slice(1))
            groups.set(`${version}#${p.absPath}`, [p]);
          pending = next.slice(0, 1);
          continue;
        }
        pending = next;
      }
    }
  }
  // Late groups created for unlocated errors.
  for (const [key, ps] of groups) {
    if (!key.includes("#")) continue;
    for (const p of ps) {
      if (results.has(p.absPath) || p.failure) continue;
      const version = key.split("#")[0]!;
      let compiled: { output: SolcOutput; cached: boolean };
      try {
        compiled = compileCached(options, version, p.units);
      } catch (e) {
        p.failure = `solc ${version} crashed: ${(e as Error).message}`;
        continue;
      }
      const { output, cached } = compiled;
      const errors = (output.errors ?? []).filter(
        (e) => e.severity === "error"
      );
      if (errors.length > 0) {
        p.failure = errors
          .map((e) => cleanMessage(e, options.roots))
          .slice(0, 3)
          .join("\n");
        continue;
      }
      const program = buildProgram(output, p.units, version);
      const source = program.files.find((f) => f.unitName === p.unit);
      results.set(p.absPath, {
        absPath: p.absPath,
        status: {
          status: p.relaxed ? "compiled-relaxed-pragma" : "compiled",
          compiler: version,
          cached,
        },
        program,
        source,
      });
      options.onFile?.(p.absPath);
    }
  }

  // An open pragma (`>=0.5.0`) admits compilers newer than the project uses, and the newest may reject the file
  // (0.8 forbids int24 → uint8): try the versions the files importing it compiled with, then two more its pragmas
  // admit, newest first, as the build tool would have compiled it with the project's version.
  for (const p of plans) {
    if (
      results.has(p.absPath) ||
      !p.failure ||
      p.relaxed ||
      !p.version ||
      p.failure.startsWith("Import not found")
    )
      continue;
    const ranges = [...p.units.values()]
      .map((u) => versionRange(u.text))
      .filter((r) => r !== "");
    const importers = plans
      .filter((q) => q !== p && q.units.has(p.unit))
      .map((q) => results.get(q.absPath)?.status.compiler);
    const admitted = compilers
      .versions()
      .filter((v) => ranges.every((r) => satisfies(v, r)));
    const candidates = [
      ...new Set([
        ...importers.filter(
          (v): v is string => v !== undefined && admitted.includes(v)
        ),
        ...admitted.slice(0, 3),
      ]),
    ].filter((v) => v !== p.version);
    const attempts: { version: string; evmVersion?: string }[] = candidates
      .slice(0, 4)
      .map((version) => ({ version }));
    // `tload` under the project's evm_version = "paris": the code targets a newer chain, compile it for that one
    const needs = /only available for (\w+)-compatible VMs/
      .exec(p.failure)?.[1]
      ?.toLowerCase();
    if (needs && evmVersionFor(p.version, needs) === needs)
      attempts.unshift({ version: p.version, evmVersion: needs });
    for (const a of attempts) {
      const opts = a.evmVersion
        ? { ...options, evmVersion: a.evmVersion }
        : options;
      let compiled: { output: SolcOutput; cached: boolean };
      try {
        compiled = compileCached(opts, a.version, p.units);
      } catch {
        continue;
      }
      if ((compiled.output.errors ?? []).some((e) => e.severity === "error"))
        continue;
      const program = buildProgram(compiled.output, p.units, a.version);
      const source = program.files.find((f) => f.unitName === p.unit);
      const message = a.evmVersion
        ? `compiled for EVM ${
            a.evmVersion
          }: the code uses instructions the project's EVM version${
            options.evmVersion ? ` (${options.evmVersion})` : ""
          } lacks`
        : undefined;
      results.set(p.absPath, {
        absPath: p.absPath,
        status: {
          status: "compiled",
          compiler: a.version,
          message,
          cached: compiled.cached,
        },
        program,
        source,
      });
      options.onFile?.(p.absPath);
      break;
    }
  }

  // Parse-tree fallback for what did not compile.
  for (const p of plans) {
    if (results.has(p.absPath)) continue;
    const text = readFileSync(p.absPath, "utf8");
    const range = versionRange(text);
    const guess =
      semver.minVersion(safeRange(range))?.version ??
      p.version ??
      newest ??
      "0.8.0";
    let parsed: ReturnType<typeof parseToAst>;
    try {
      parsed = parseToAst(p.unit, p.absPath, text, guess);
    } catch (e) {
      parsed = {
        error: `parse-tree conversion failed: ${(e as Error).message}`,
      };
    }
    const message = p.failure ?? "not compiled";
    if (parsed.file) {
      const program = new Program([parsed.file]);
      results.set(p.absPath, {
        absPath: p.absPath,
        status: { status: "parse-only", message },
        program,
        source: parsed.file,
      });
    } else {
      results.set(p.absPath, {
        absPath: p.absPath,
        status: {
          status: "failed",
          message: `${message}\n${parsed.error ?? ""}`.trim(),
        },
      });
    }
    options.onFile?.(p.absPath);
  }
  return results;
}

function readText(p: Plan): string {
  return readFileSync(p.absPath, "utf8");
}

function safeRange(range: string): string {
  try {
    return semver.validRange(range.replace(/([<>=^~]+)\s+/g, "$1")) ?? "*";
  } catch {
    return "*";
  }
}

function cleanMessage(e: SolcError, roots: string[]): string {
  let msg = (e.formattedMessage ?? e.message ?? "").trim();
  // most specific root first, so locations read relative to the scanned folder
  for (const r of [...roots].sort((a, b) => b.length - a.length))
    msg = msg.split(toUnitName(r) + "/").join("");
  return msg;
}

function buildProgram(
  output: SolcOutput,
  units: Map<string, { absPath: string; text: string }>,
  version: string
): Program {
  const files: SourceFile[] = [];
  for (const [name, src] of Object.entries(output.sources ?? {})) {
    const u = units.get(name);
    if (!u || !src.ast) continue;
    files.push({
      unitName: name,
      absPath: u.absPath,
      text: u.text,
      lines: new LineIndex(u.text),
      ast: src.ast,
      typed: true,
      version,
    });
  }
  return new Program(files);
}

/** The first solc release that knows each recent EVM version (older names are known to every 0.8 compiler). */
const EVM_SINCE: Record<string, string> = {
  berlin: "0.8.5",
  london: "0.8.7",
  paris: "0.8.18",
  shanghai: "0.8.20",
  cancun: "0.8.24",
  prague: "0.8.27",
  osaka: "0.8.29",
};

/**
 * The project's EVM version when this compiler knows it (a compiler's default is older than the project wants only
 * for code such as `tload`/`mcopy` in assembly, which then compiles); undefined otherwise (the compiler's default).
 */
export function evmVersionFor(
  compiler: string,
  wanted: string | undefined
): string | undefined {
  if (!wanted) return undefined;
  const since = EVM_SINCE[wanted];
  if (since === undefined)
    return semver.gte(compiler, "0.8.0") ? wanted : undefined;
  return semver.gte(compiler, since) ? wanted : undefined;
}

function compileCached(
  options: CompileOptions,
  version: string,
  units: Map<string, { absPath: string; text: string }>
): { output: SolcOutput; cached: boolean } {
  const sources: Record<string, { content: string }> = {};
  const names = [...units.keys()].sort();
  const hash = createHash("sha256");
  const evmVersion = evmVersionFor(version, options.evmVersion);
  hash.update(`v2|${version}|${evmVersion ?? ""}|`);
  for (const n of names) {
    const text = units.get(n)!.text;
    sources[n] = { content: text };
    hash
      .update(n)
      .update("\0")
      .update(createHash("sha256").update(text).digest("hex"))
      .update("\0");
  }
  const key = hash.digest("hex");
  const file = options.cacheDir
    ? path.join(options.cacheDir, `${key}.json`)
    : undefined;
  if (file && existsSync(file)) {
    try {
      return {
        output: JSON.parse(readFileSync(file, "utf8")) as SolcOutput,
        cached: true,
      };
    } catch {
      // corrupt entry: compile again
    }
  }
  const input = {
    language: "Solidity",
    sources,
    settings: {
      outputSelection: { "*": { "": ["ast"] } },
      ...(evmVersion ? { evmVersion } : {}),
    },
  };
  const raw = options.compilers.compile(version, input) as SolcOutput;
  const output: SolcOutput = { errors: raw.errors, sources: {} };
  for (const [name, s] of Object.entries(raw.sources ?? {}))
    output.sources![name] = { id: s.id, ast: s.ast };
  if (file) {
    mkdirSync(options.cacheDir!, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(output));
    renameSync(tmp, file);
  }
  return { output, cached: false };
}

/** The lowest version a pragma admits (`>=0.6.0` → 0.6.0, `^0.8.4` → 0.8.4), 0.0.0 when it does not parse. */
function minimumOf(range: string): string {
  return semver.minVersion(normalizeRange(range) ?? "0.0.0")?.version ?? "0.0.0";
}
