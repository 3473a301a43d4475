/**
 * `npm run abi:snapshot`: records the public ABI of the compiled contracts in package/abi-snapshot.json under the
 * version of package/package.json, and regenerates docs/abi.md. Refuses when a signature changed and the version
 * was not raised above the snapshot's.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT, SNAPSHOT_FILE, DOCS_FILE, docsInput, packageVersion } from "./check-abi";
import { renderAbiDocs } from "./abi/docs";
import { abiSetOf, readPublicArtifacts } from "./abi/publicAbis";
import { describeDifference, readSnapshot, updateSnapshot, writeSnapshot } from "./abi/snapshot";
import { errorMessage } from "../lib/errors";

function main(): void {
  const artifacts = readPublicArtifacts(ROOT);
  const version = packageVersion();
  const previous = readSnapshot(SNAPSHOT_FILE);
  const { snapshot, differences } = updateSnapshot(abiSetOf(artifacts), previous, version);
  writeSnapshot(SNAPSHOT_FILE, snapshot);
  writeFileSync(DOCS_FILE, renderAbiDocs(docsInput(artifacts, version)));
  for (const d of differences) console.log(`  ${describeDifference(d)}`);
  console.log(
    `${path.relative(ROOT, SNAPSHOT_FILE)}: ${artifacts.length} public contracts at version ${version}` +
      (previous ? ` (${differences.length} signature change(s) since ${previous.version})` : "") +
      `; ${path.relative(ROOT, DOCS_FILE)} regenerated`,
  );
}

try {
  main();
} catch (e) {
  console.error(`abi:snapshot: ${errorMessage(e)}`);
  process.exit(1);
}
