import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { AuditResult } from "../scan";
import { toJsonReport } from "./json";
import { toMarkdown } from "./markdown";
import { toSarif } from "./sarif";

export const REPORT_FORMATS = ["json", "sarif", "md"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface WriteReportsOptions {
  formats: ReportFormat[];
  outDir: string;
  toolVersion: string;
}

const FILE_NAMES: Record<ReportFormat, string> = { json: "audit.json", sarif: "audit.sarif", md: "audit.md" };

/** Writes the chosen formats to outDir; returns the files written. */
export function writeReports(result: AuditResult, options: WriteReportsOptions): string[] {
  mkdirSync(options.outDir, { recursive: true });
  const written: string[] = [];
  for (const format of options.formats) {
    const file = path.join(options.outDir, FILE_NAMES[format]);
    const body =
      format === "json"
        ? JSON.stringify(toJsonReport(result, options.toolVersion), null, 2)
        : format === "sarif"
          ? JSON.stringify(toSarif(result, options.toolVersion), null, 2)
          : toMarkdown(result);
    writeFileSync(file, `${body}\n`);
    written.push(file);
  }
  return written;
}
