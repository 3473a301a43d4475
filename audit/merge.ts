import { createHash } from "node:crypto";
import type { Finding, FindingSource } from "./types";
import { severityRank } from "./types";
import type { RawFinding } from "./detectors";
import { swcOf } from "./swc";

const SOURCE_RANK: Record<FindingSource, number> = { own: 0, slither: 1, solhint: 2 };

/** A stable id: the same finding keeps it across runs while its first line does not move. */
export function findingId(f: Pick<Finding, "source" | "detector" | "file" | "contract" | "function" | "lines">): string {
  const h = createHash("sha256")
    .update([f.source, f.detector, f.file, f.contract ?? "", f.function ?? "", f.lines[0] ?? 0].join("|"))
    .digest("hex");
  return `${f.detector}-${h.slice(0, 10)}`;
}

export function toFinding(raw: RawFinding, source: FindingSource, file: string): Finding {
  const lines = [...new Set(raw.lines)].filter((l) => l > 0).sort((a, b) => a - b);
  const f: Finding = {
    id: "",
    detector: raw.detector,
    source,
    category: raw.category,
    severity: raw.severity,
    confidence: raw.confidence,
    file,
    lines,
    contract: raw.contract,
    function: raw.function,
    message: raw.message,
    remediation: raw.remediation,
    swc: raw.swc ?? swcOf(raw.detector, raw.category),
  };
  f.id = findingId(f);
  return f;
}

/**
 * Merges duplicates reported by different sources (same file, same category, a line in common) into one
 * finding: our own detector's text wins, the highest severity is kept, the others are listed in alsoReportedBy.
 */
export function mergeDuplicates(findings: Finding[]): Finding[] {
  const sorted = [...findings].sort(
    (a, b) => SOURCE_RANK[a.source] - SOURCE_RANK[b.source] || severityRank(b.severity) - severityRank(a.severity),
  );
  const kept: Finding[] = [];
  for (const f of sorted) {
    const dup = kept.find(
      (k) => k.source !== f.source && k.file === f.file && k.category === f.category && k.lines.some((l) => f.lines.includes(l)),
    );
    if (!dup) {
      kept.push({ ...f });
      continue;
    }
    if (severityRank(f.severity) > severityRank(dup.severity)) dup.severity = f.severity;
    dup.alsoReportedBy = [...(dup.alsoReportedBy ?? []), { source: f.source, detector: f.detector }];
    dup.lines = [...new Set([...dup.lines, ...f.lines])].sort((a, b) => a - b);
  }
  return kept.sort(
    (a, b) => a.file.localeCompare(b.file) || (a.lines[0] ?? 0) - (b.lines[0] ?? 0) || severityRank(b.severity) - severityRank(a.severity),
  );
}
