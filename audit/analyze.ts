import type { Program, SourceFile } from "./ast/program";
import { DETECTORS, type Detector, type RawFinding } from "./detectors";

export interface AnalyzeOptions {
  /** Detector ids to run (all when undefined). */
  only?: string[];
  /** The chains the project deploys to (audit/chains.ts), when it says. */
  chains?: readonly string[];
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
      detector.run({ program, file, chains: options.chains, report: (f) => findings.push(f) });
    } catch (e) {
      errors.push({ detector: detector.id, message: (e as Error).stack ?? String(e) });
    }
  }
  return { findings, errors };
}
