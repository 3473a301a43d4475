import type { Program, SourceFile } from "./ast/program";
import { DETECTORS, type Detector, type RawFinding } from "./detectors";
import { NON_STANDARD_TOKEN_DETECTORS, STANDARD_TOKENS_NOTE, type TokenAssumption } from "./tokens";

export interface AnalyzeOptions {
  /** Detector ids to run (all when undefined). */
  only?: string[];
  /** The chains the project deploys to (audit/chains.ts), when it says. */
  chains?: readonly string[];
  /** What the project says about the ERC-20 tokens it handles (audit/tokens.ts): "standard" lowers what needs others. */
  tokens?: TokenAssumption;
}

export interface AnalyzeResult {
  findings: RawFinding[];
  /** Detectors that threw on this file (the scan goes on without them). */
  errors: { detector: string; message: string }[];
}

/** Runs our own detectors on one scanned file. A detector that fails is noted, never fatal. */
export function analyzeFile(program: Program, file: SourceFile, options: AnalyzeOptions = {}): AnalyzeResult {
  const findings: RawFinding[] = [];
  const errors: { detector: string; message: string }[] = [];
  const detectors: readonly Detector[] = options.only ? DETECTORS.filter((d) => options.only!.includes(d.id)) : DETECTORS;
  for (const detector of detectors) {
    try {
      detector.run({ program, file, chains: options.chains, report: (f) => findings.push(options.tokens === "standard" ? standardTokens(f) : f) });
    } catch (e) {
      errors.push({ detector: detector.id, message: (e as Error).stack ?? String(e) });
    }
  }
  return { findings, errors };
}

/** A finding that needs a non-standard token, for a project that handles only standard ones: low, with the reason. */
function standardTokens(f: RawFinding): RawFinding {
  if (!NON_STANDARD_TOKEN_DETECTORS.includes(f.detector) || (f.severity !== "medium" && f.severity !== "high")) return f;
  return { ...f, severity: "low", message: f.message + STANDARD_TOKENS_NOTE };
}
