import type { AuditResult } from "../scan";

export const REPORT_SCHEMA_VERSION = 1;

/** The JSON report: the finding schema under `findings`, plus summary, per-file compile status and tools. */
export function toJsonReport(result: AuditResult, toolVersion: string): object {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: "luniverse-audit", version: toolVersion },
    scannedPath: result.scannedPath,
    project: result.project,
    excluded: result.excluded,
    startedAt: result.startedAt,
    durationMs: result.durationMs,
    tools: result.tools,
    summary: result.summary,
    files: result.files,
    findings: result.findings,
    notes: result.notes,
  };
}
