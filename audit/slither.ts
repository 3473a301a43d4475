/**
 * Slither, when it is on PATH: run with JSON output, map results.detectors[] into our findings.
 */
import path from "node:path";
import type { Category, Confidence, Severity } from "./types";
import type { RawFinding } from "./detectors";

/** One entry of slither's `results.detectors`. */
export interface SlitherDetectorResult {
  check: string;
  impact: string;
  confidence: string;
  description: string;
  elements?: {
    type?: string;
    name?: string;
    source_mapping?: { filename_relative?: string; filename_absolute?: string; filename_short?: string; lines?: number[] };
    type_specific_fields?: { parent?: { type?: string; name?: string; type_specific_fields?: { parent?: { type?: string; name?: string } } } };
  }[];
}

export interface SlitherOutput {
  success?: boolean;
  error?: string | null;
  results?: { detectors?: SlitherDetectorResult[] };
}

/** Slither checks → our categories (unknown checks become "other"). */
const CHECK_CATEGORY: Record<string, Category> = {
  "reentrancy-eth": "reentrancy",
  "reentrancy-no-eth": "reentrancy",
  "reentrancy-benign": "reentrancy",
  "reentrancy-events": "reentrancy",
  "reentrancy-unlimited-gas": "reentrancy",
  "unchecked-lowlevel": "unchecked_low_level_calls",
  "unchecked-send": "unchecked_low_level_calls",
  "unchecked-transfer": "unchecked_low_level_calls",
  "unused-return": "unchecked_low_level_calls",
  "tx-origin": "access_control",
  suicidal: "access_control",
  "arbitrary-send-eth": "access_control",
  "arbitrary-send-erc20": "access_control",
  "controlled-delegatecall": "access_control",
  "delegatecall-loop": "access_control",
  "protected-vars": "access_control",
  "unprotected-upgrade": "access_control",
  "weak-prng": "bad_randomness",
  timestamp: "time_manipulation",
  "calls-loop": "denial_of_service",
  "msg-value-loop": "denial_of_service",
  "costly-loop": "denial_of_service",
  "divide-before-multiply": "arithmetic",
  tautology: "other",
  "tautological-compare": "other",
  "boolean-cst": "other",
  "incorrect-modifier": "access_control",
  "msg-value-in-nonpayable": "other",
  "mapping-deletion": "other",
  "array-by-reference": "other",
  "pyth-unchecked-confidence": "oracle_manipulation",
  "pyth-unchecked-publishtime": "oracle_manipulation",
  "pyth-deprecated-functions": "oracle_manipulation",
  "chronicle-unchecked-price": "oracle_manipulation",
  "incorrect-exp": "arithmetic",
  "uninitialized-storage": "other",
  "uninitialized-state": "other",
  "erc20-interface": "other",
};

const REMEDIATION: Partial<Record<Category, string>> = {
  reentrancy: "Update state before external calls (checks-effects-interactions) and add OpenZeppelin's `nonReentrant`.",
  unchecked_low_level_calls: "Check the success value of every low-level call and token transfer (use SafeERC20 / Address).",
  access_control: "Restrict the function to authorised callers (`onlyOwner`, `onlyRole`) and authorise with `msg.sender`.",
  bad_randomness: "Do not derive randomness from block values; use a VRF or commit-reveal.",
  time_manipulation: "Use block.timestamp only for coarse deadlines, never for equality or randomness.",
  denial_of_service: "Avoid external calls in loops; pay in a pull pattern and bound loops.",
  arithmetic: "Multiply before dividing and check bounds (or use Solidity ≥ 0.8 / SafeMath).",
};

export function mapSeverity(impact: string): Severity {
  switch (impact.toLowerCase()) {
    case "high":
      return "high";
    case "medium":
      return "medium";
    case "low":
      return "low";
    default:
      return "info";
  }
}

export function mapConfidence(c: string): Confidence {
  const v = c.toLowerCase();
  return v === "high" ? "high" : v === "medium" ? "medium" : "low";
}

/** Maps slither's JSON into findings per absolute file path. */
export function mapSlither(output: SlitherOutput, cwd: string): Map<string, RawFinding[]> {
  const out = new Map<string, RawFinding[]>();
  for (const d of output.results?.detectors ?? []) {
    const category = CHECK_CATEGORY[d.check] ?? "other";
    const byFile = new Map<string, Set<number>>();
    let contract: string | undefined;
    let fn: string | undefined;
    // Statement-level elements ("node") point at the lines that matter; a function element spans its whole body.
    const elements = d.elements ?? [];
    const hasNodes = elements.some((e) => e.type === "node");
    for (const el of elements) {
      if (hasNodes && el.type !== "node") {
        if (el.type === "function" && !fn) {
          fn = el.name;
          contract = el.type_specific_fields?.parent?.name ?? contract;
        }
        continue;
      }
      const sm = el.source_mapping;
      const rel = sm?.filename_absolute ?? (sm?.filename_relative ? path.resolve(cwd, sm.filename_relative) : undefined);
      if (!rel) continue;
      const set = byFile.get(rel) ?? new Set<number>();
      for (const l of sm?.lines ?? []) set.add(l);
      byFile.set(rel, set);
      if (el.type === "function" && !fn) {
        fn = el.name;
        contract = el.type_specific_fields?.parent?.name ?? contract;
      } else if (el.type === "contract" && !contract) contract = el.name;
      else if (!contract) contract = el.type_specific_fields?.parent?.type === "contract" ? el.type_specific_fields.parent.name : el.type_specific_fields?.parent?.type_specific_fields?.parent?.name;
      if (!fn && el.type_specific_fields?.parent?.type === "function") fn = el.type_specific_fields.parent.name;
    }
    for (const [file, lines] of byFile) {
      const finding: RawFinding = {
        detector: d.check,
        category,
        severity: mapSeverity(d.impact),
        confidence: mapConfidence(d.confidence),
        lines: [...lines].sort((a, b) => a - b),
        contract,
        function: fn,
        message: d.description.trim(),
        remediation: REMEDIATION[category] ?? "See the slither documentation for this check.",
      };
      out.set(file, [...(out.get(file) ?? []), finding]);
    }
  }
  return out;
}

export interface SlitherRunResult {
  /** "not installed", or the version slither printed. */
  status: string;
  findings: Map<string, RawFinding[]>;
  errors: string[];
}

/** Runs slither on each target (file or folder); returns "not installed" when it is not on PATH. */
export async function runSlither(targets: string[], cwd: string, timeoutMs = 120_000): Promise<SlitherRunResult> {
  const { execa } = await import("execa");
  const findings = new Map<string, RawFinding[]>();
  const errors: string[] = [];
  let version: string;
  try {
    const v = await execa("slither", ["--version"], { cwd, timeout: 30_000, reject: false });
    if (v.failed && (v as { code?: string }).code === "ENOENT") return { status: "not installed", findings, errors };
    if (v.exitCode === undefined && v.failed) return { status: "not installed", findings, errors };
    version = (v.stdout || v.stderr || "").trim().split("\n")[0] || "unknown version";
  } catch {
    return { status: "not installed", findings, errors };
  }
  for (const target of targets) {
    const r = await execa("slither", [target, "--json", "-"], { cwd, timeout: timeoutMs, reject: false });
    const text = r.stdout.trim();
    if (!text) {
      errors.push(`slither ${path.relative(cwd, target) || target}: ${(r.stderr || "no output").split("\n").slice(-3).join(" ")}`);
      continue;
    }
    try {
      const parsed = JSON.parse(text.slice(text.indexOf("{"))) as SlitherOutput;
      if (parsed.error) errors.push(`slither ${path.basename(target)}: ${parsed.error}`);
      for (const [file, fs] of mapSlither(parsed, cwd)) findings.set(file, [...(findings.get(file) ?? []), ...fs]);
    } catch (e) {
      errors.push(`slither ${path.basename(target)}: unreadable JSON (${(e as Error).message})`);
    }
  }
  return { status: version, findings, errors };
}
