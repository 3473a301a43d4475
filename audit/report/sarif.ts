import { pathToFileURL } from "node:url";
import type { AuditResult } from "../scan";
import type { Finding, Severity } from "../types";
import { DETECTORS } from "../detectors";

const LEVEL: Record<Severity, "error" | "warning" | "note"> = { high: "error", medium: "warning", low: "note", info: "note" };
/** GitHub code scanning reads rule.properties["security-severity"] (0–10). */
const SECURITY_SEVERITY: Record<Severity, string> = { high: "8.0", medium: "5.5", low: "3.0", info: "1.0" };

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  help: { text: string; markdown: string };
  defaultConfiguration: { level: string };
  properties: Record<string, unknown>;
}

/** SARIF 2.1.0 log of the scan, for code-scanning tools (GitHub, Azure DevOps, VS Code SARIF viewer). */
export function toSarif(result: AuditResult, toolVersion: string): object {
  const rules: SarifRule[] = [];
  const ruleIndex = new Map<string, number>();
  const titles = new Map(DETECTORS.map((d) => [d.id, d.title] as const));
  const ruleFor = (f: Finding): number => {
    const key = `${f.source}:${f.detector}`;
    const existing = ruleIndex.get(key);
    if (existing !== undefined) return existing;
    const id = f.source === "own" ? f.detector : `${f.source}/${f.detector}`;
    rules.push({
      id,
      name: f.detector.replace(/(^|[-_])(\w)/g, (_m, _s, c: string) => c.toUpperCase()),
      shortDescription: { text: titles.get(f.detector) ?? `${f.source} ${f.detector}` },
      help: { text: f.remediation, markdown: f.remediation },
      defaultConfiguration: { level: LEVEL[f.severity] },
      properties: { tags: ["security", f.category, ...f.swc], "security-severity": SECURITY_SEVERITY[f.severity], category: f.category, source: f.source, swc: f.swc },
    });
    ruleIndex.set(key, rules.length - 1);
    return rules.length - 1;
  };

  const results = result.findings.map((f) => {
    const index = ruleFor(f);
    const region = { startLine: f.lines[0] ?? 1 };
    const out: Record<string, unknown> = {
      ruleId: rules[index]!.id,
      ruleIndex: index,
      level: LEVEL[f.severity],
      message: { text: `${f.message}${f.contract ? ` (${f.contract}${f.function ? `.${f.function}` : ""})` : ""}` },
      locations: [{ physicalLocation: { artifactLocation: { uri: encodeURI(f.file), uriBaseId: "SRCROOT" }, region } }],
      relatedLocations: f.lines.slice(1).map((l, i) => ({
        id: i + 1,
        message: { text: `line ${l}` },
        physicalLocation: { artifactLocation: { uri: encodeURI(f.file), uriBaseId: "SRCROOT" }, region: { startLine: l } },
      })),
      partialFingerprints: { "luniverseAuditId/v1": f.id },
      properties: {
        severity: f.severity,
        confidence: f.confidence,
        category: f.category,
        swc: f.swc,
        source: f.source,
        lines: f.lines,
        contract: f.contract,
        function: f.function,
        remediation: f.remediation,
        alsoReportedBy: f.alsoReportedBy,
      },
    };
    if (f.suppressed) out.suppressions = [{ kind: "inSource", justification: f.suppressed.reason }];
    return out;
  });

  const notifications = [
    ...result.files
      .filter((f) => f.status !== "compiled")
      .map((f) => ({
        level: f.status === "failed" ? "error" : "warning",
        message: { text: `${f.file}: ${f.status}${f.message ? ` — ${f.message.split("\n")[0]}` : ""}` },
        locations: [{ physicalLocation: { artifactLocation: { uri: encodeURI(f.file), uriBaseId: "SRCROOT" } } }],
      })),
    ...result.notes.map((n) => ({ level: "note", message: { text: n } })),
  ];

  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "luniverse-audit",
            version: toolVersion,
            informationUri: "https://github.com/luniverse-ts/luniverse-ts/blob/main/audit/README.md",
            rules,
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: `${pathToFileURL(result.root).href.replace(/\/?$/, "/")}` } },
        invocations: [{ executionSuccessful: true, toolExecutionNotifications: notifications }],
        results,
      },
    ],
  };
}
