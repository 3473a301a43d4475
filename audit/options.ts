import { REPORT_FORMATS, type ReportFormat } from "./report/write";
import { CONFIDENCES, SEVERITIES, type Confidence, type Severity } from "./types";
import { LuniverseError } from "../lib/errors";

/** A wrong option value; the message names the option, the value and what is accepted. */
export class AuditOptionsError extends LuniverseError<"AUDIT_OPTIONS"> {
  override name = "AuditOptionsError";
  constructor(message: string) {
    super("AUDIT_OPTIONS", message);
  }
}

export type FailOn = Severity | "none";

export function parseFormats(value: string): ReportFormat[] {
  const list = value
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== "");
  if (list.length === 0) throw new AuditOptionsError(`--format is empty: use one or more of ${REPORT_FORMATS.join(", ")} (comma-separated)`);
  for (const f of list) {
    if (!(REPORT_FORMATS as readonly string[]).includes(f)) {
      throw new AuditOptionsError(`unknown report format "${f}" in --format: use ${REPORT_FORMATS.join(", ")} (comma-separated, e.g. --format json,sarif)`);
    }
  }
  return [...new Set(list)] as ReportFormat[];
}

export function parseFailOn(value: string): FailOn {
  const v = value.trim().toLowerCase();
  if (v === "none" || (SEVERITIES as readonly string[]).includes(v)) return v as FailOn;
  throw new AuditOptionsError(`unknown severity "${value}" for --fail-on: use none, low, medium or high`);
}

export function parseConfidence(value: string): Confidence {
  const v = value.trim().toLowerCase();
  if ((CONFIDENCES as readonly string[]).includes(v)) return v as Confidence;
  throw new AuditOptionsError(`unknown confidence "${value}" for --min-confidence: use low, medium or high`);
}
