/** The finding schema shared by every source (our detectors, slither, solhint) and every report format. */

export const SEVERITIES = ["info", "low", "medium", "high"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const CATEGORIES = [
  "reentrancy",
  "access_control",
  "arithmetic",
  "unchecked_low_level_calls",
  "denial_of_service",
  "bad_randomness",
  "front_running",
  "time_manipulation",
  "short_addresses",
  // beyond DASP-10: classes it has no bucket for (each finding also carries its SWC ids where the registry has one)
  "oracle_manipulation",
  "signatures",
  "defi_accounting",
  "other",
] as const;
export type Category = (typeof CATEGORIES)[number];

export type FindingSource = "own" | "slither" | "solhint";
export const CONFIDENCES = ["low", "medium", "high"] as const;
export type Confidence = (typeof CONFIDENCES)[number];

/** Where an accepted finding was silenced (`// audit-ignore: <detector> <reason>`). */
export interface Suppression {
  /** 1-based line of the audit-ignore comment. */
  line: number;
  reason: string;
}

export interface Finding {
  /** Stable id: detector, file and first line hashed (the same finding keeps its id across runs). */
  id: string;
  /** Detector id (own), check name (slither) or rule id (solhint). */
  detector: string;
  source: FindingSource;
  category: Category;
  severity: Severity;
  confidence: Confidence;
  /** Path relative to the scanned path (posix separators). */
  file: string;
  /** 1-based line numbers, ascending. */
  lines: number[];
  contract?: string;
  function?: string;
  message: string;
  /** Patch guidance a non-expert can follow, with a short code suggestion where one fits. */
  remediation: string;
  /** SWC registry ids of the weakness (empty when the registry has none, e.g. oracle manipulation). */
  swc: string[];
  /** Other sources/detectors whose duplicate findings were merged into this one. */
  alsoReportedBy?: { source: FindingSource; detector: string }[];
  /** Present when an inline audit-ignore comment accepted the finding; it then never fails the gate. */
  suppressed?: Suppression;
}

export type CompileStatus = "compiled" | "compiled-relaxed-pragma" | "parse-only" | "failed";

/** How one scanned file was analysed. */
export interface FileStatus {
  file: string;
  status: CompileStatus;
  /** Compiler version used (compiled / compiled-relaxed-pragma). */
  compiler?: string;
  /** Compiler or parser message when the file did not compile cleanly. */
  message?: string;
  /** Whether the compiler output came from the cache. */
  cached?: boolean;
}

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export function confidenceRank(c: Confidence): number {
  return CONFIDENCES.indexOf(c);
}

export function isSeverity(s: string): s is Severity {
  return (SEVERITIES as readonly string[]).includes(s);
}

export function isCategory(s: string): s is Category {
  return (CATEGORIES as readonly string[]).includes(s);
}
