/**
 * The import rules of the repository (issue #11), checked by `npm run lint:imports`:
 *
 *   lib ← ops ← {tasks, devnet, services, bench}      node ← lib      nothing imports tasks/ or test/ but tests
 *
 * `lib/` is Hardhat-free infrastructure; `ops/` is one operation per file on ethers clients; `node/` is the PoA node
 * (it depends on lib/ only); `deploy/` deploys the contracts (Hardhat only through its type-only adapter); the
 * callers (tasks, devnet, services, bench, the console) sit on top. A violation fails lint with the rule's reason.
 */
const TOP = ["tasks", "test", "bench", "devnet", "services", "console"];
const under = (folders) => `^(${folders.join("|")})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-tasks-outside-tasks",
      comment: "tasks/ is Hardhat's command line: parse → operation → print. Shared logic belongs in ops/ or lib/, which every caller can import.",
      severity: "error",
      from: { path: "^(?!tasks/|test/|hardhat\\.config\\.ts$)" },
      to: { path: "^tasks/" },
    },
    {
      name: "no-test-outside-test",
      comment: "test/ holds tests and their fixtures; nothing else may depend on them (benchmarks and services import the modules the tests use, not the tests).",
      severity: "error",
      from: { pathNot: "^test/" },
      to: { path: "^test/" },
    },
    {
      name: "lib-is-the-bottom",
      comment: "lib/ is the bottom layer of Hardhat-free infrastructure: it imports only other lib/ modules, npm packages and the generated bindings.",
      severity: "error",
      from: { path: "^lib/" },
      to: { path: "^(ops|node|deploy|audit|typechain-types/(?!index)|" + TOP.join("|") + ")/" },
    },
    {
      name: "ops-below-callers",
      comment: "An operation is called by tasks, devnet, services, bench, console and tests; it never imports them.",
      severity: "error",
      from: { path: "^ops/" },
      to: { path: under(TOP) },
    },
    {
      name: "node-on-lib-only",
      comment: "The node depends on lib/ only (and npm packages): no operations, deployments, services or callers.",
      severity: "error",
      from: { path: "^node/" },
      to: { path: "^(ops|deploy|audit|" + TOP.join("|") + ")/" },
    },
    {
      name: "node-layers-downward",
      comment:
        "The node's layers depend downward only: rpc → {consensus, txpool, p2p} → chain → execution → storage (node/README.md). A lower layer never reaches up; wire types and JSON-RPC errors stay in rpc/.",
      severity: "error",
      from: { path: "^node/(consensus|txpool|p2p|chain|execution|storage)/" },
      to: { path: "^node/rpc/" },
    },
    {
      name: "node-gasfree-above-consensus",
      comment:
        "The gas policy (node/gasfree/) sits above consensus and the pool: it reads the policy through consensus' head caller and plugs into the pool and the builder through their own interfaces (AdmissionHook, BlockSelector); nothing below imports it, rpc/ takes it through the backend host.",
      severity: "error",
      from: { path: "^node/(consensus|txpool|p2p|chain|execution|storage|rpc)/" },
      to: { path: "^node/gasfree/" },
    },
    {
      name: "node-backup-beside-consensus",
      comment:
        "Backups and snapshot sync (node/backup/) prove a restored database with the chain, the consensus' validator reader and commit digests; nothing but the wiring imports them (rpc/ serves them through the backend host).",
      severity: "error",
      from: { path: "^node/(consensus|txpool|p2p|chain|execution|storage|rpc|gasfree)/" },
      to: { path: "^node/backup/" },
    },
    {
      name: "node-backup-not-rpc",
      comment: "node/backup/ never reaches up into rpc/.",
      severity: "error",
      from: { path: "^node/backup/" },
      to: { path: "^node/rpc/" },
    },
    {
      name: "node-chain-below-consensus",
      comment: "chain/ (blocks, receipts, finality on disk) sits below consensus, the pool and the network: it never imports them.",
      severity: "error",
      from: { path: "^node/(chain|execution|storage)/" },
      to: { path: "^node/(consensus|txpool|p2p)/" },
    },
    {
      name: "node-execution-below-chain",
      comment: "execution/ (the VM, transactions, calls) and storage/ (LevelDB) know nothing of blocks' bookkeeping in chain/ or of genesis files.",
      severity: "error",
      from: { path: "^node/(execution|storage)/" },
      to: { path: "^node/(chain|genesis)/" },
    },
    {
      name: "node-storage-at-the-bottom",
      comment: "storage/ is the node's bottom layer.",
      severity: "error",
      from: { path: "^node/storage/" },
      to: { path: "^node/(?!storage/)[^/]+/" },
    },
    {
      name: "node-root-is-wiring",
      comment: "node.ts, run.ts and cli.ts wire the layers together; no layer imports them (config.ts, the typed configuration, may be read by the layers).",
      severity: "error",
      from: { path: "^node/[^/]+/" },
      to: { path: "^node/(node|run|cli)\\.ts$" },
    },
    {
      name: "deploy-below-ops",
      comment: "deploy/ is used by ops/ and tasks/; it imports only lib/ and the generated bindings.",
      severity: "error",
      from: { path: "^deploy/" },
      to: { path: "^(ops|node|audit|" + TOP.join("|") + ")/" },
    },
    {
      name: "services-not-devnet",
      comment: "A service runs on its own (its main is config → wiring → run); the devnet starts services, not the other way round.",
      severity: "error",
      from: { path: "^services/" },
      to: { path: "^(devnet|bench)/" },
    },
    {
      name: "no-hardhat-below-tasks",
      comment: "lib/, ops/, node/, services/ and devnet/ run in any process — without Hardhat's runtime. Take ethers Signers/Providers instead of hre.",
      severity: "error",
      from: { path: "^(lib|ops|node|services|devnet)/" },
      to: { path: "node_modules/(hardhat|@nomicfoundation/hardhat-[^/]+|@openzeppelin/hardhat-upgrades)/" },
    },
    {
      name: "deploy-hardhat-types-only",
      comment: "deploy/ takes Hardhat's runtime only in its adapter, and only as a type: the value comes from the caller.",
      severity: "error",
      from: { path: "^deploy/" },
      to: { path: "node_modules/(hardhat|@openzeppelin/hardhat-upgrades)/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "not-to-unresolvable",
      comment: "An import that does not resolve to a file (a moved module?).",
      severity: "error",
      from: {},
      to: { couldNotResolve: true, pathNot: "^(typechain-types)" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(artifacts|cache|typechain-types|package/dist|coverage)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"], extensions: [".ts", ".tsx", ".js", ".json"] },
    moduleSystems: ["cjs", "es6"],
  },
};
