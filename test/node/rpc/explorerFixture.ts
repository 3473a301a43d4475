/**
 * The explorer/debug RPC tests' fixture: one validator node (a real process on 127.0.0.1) and one anvil (with step
 * tracing), the same transactions sent to both by the same fresh development account — so contracts land at the
 * same addresses on both chains and the answers of ots_*, debug_trace* and txpool_* can be compared.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Interface, Wallet } from "ethers";
import { rpcCall, waitFor } from "../../helpers/net";
import { startAnvil, stop, type Proc } from "../../services/anchor/processes";
import { NodeProcess, devKey, freePort, testGenesis } from "../helpers/nodes";

export const CHAIN_ID = 7301;
export const ANVIL_CHAIN_ID = 7302;
/** A development account neither chain has used (the genesis deploys from account 0, validators are 1..). */
export const SENDER = devKey(7);
export const BENEFICIARY = "0x000000000000000000000000000000000000dead";
export const SALT = "0x" + "11".repeat(32);
/** Read when used (the artifacts exist once `hardhat test` has compiled). */
const artifact = (): { abi: unknown[]; bytecode: string } =>
  JSON.parse(readFileSync(path.join(__dirname, "../../../artifacts/contracts/test/TraceProbe.sol/TraceProbe.json"), "utf8")) as { abi: unknown[]; bytecode: string };
export const probe = new Interface(["function run(address to, bytes32 salt) payable returns (address, address)", "function failCustom(uint256 code) view", "function failWithReason() pure", "function failDeep(uint256 code)", "event Probed(address created, address created2)", "error TraceProbeFailed(uint256 code, address who)"]);

/** The hashes of the fixture's transactions on one chain. */
export interface Sent {
  deploy: string;
  run: string;
  failCustom: string;
  failWithReason: string;
  failDeep: string;
  /** The probe's address (the same on both chains: same sender, same nonce). */
  probe: string;
  /** The children TraceProbe.run created (CREATE, CREATE2). */
  created: string;
  created2: string;
}

interface Receipt {
  status: string;
  blockNumber: string;
  contractAddress: string | null;
  logs: { data: string }[];
}

export const call = <T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> => rpcCall<T>(url, method, params);

/** Signs and sends one EIP-1559 transaction with every field given (no estimate, no nonce look-up). */
export async function send(url: string, chainId: number, key: string, tx: { nonce: number; to?: string; data?: string; value?: bigint; gasLimit: bigint }): Promise<string> {
  const wallet = new Wallet(key);
  const raw = await wallet.signTransaction({
    type: 2,
    chainId,
    nonce: tx.nonce,
    to: tx.to ?? null,
    data: tx.data ?? "0x",
    value: tx.value ?? 0n,
    gasLimit: tx.gasLimit,
    maxFeePerGas: 20_000_000_000n,
    maxPriorityFeePerGas: 1_000_000_000n,
  });
  return call<string>(url, "eth_sendRawTransaction", [raw]);
}

export async function receipt(url: string, hash: string): Promise<Receipt> {
  return waitFor(`receipt of ${hash}`, async () => (await call<Receipt | null>(url, "eth_getTransactionReceipt", [hash])) ?? undefined, 30_000, 100);
}

/** Deploys TraceProbe and sends run / failCustom / failWithReason / failDeep (nonces 0..4), waiting for each. */
export async function sendProbeTransactions(url: string, chainId: number): Promise<Sent> {
  const key = SENDER.privateKey;
  const deploy = await send(url, chainId, key, { nonce: 0, data: artifact().bytecode, gasLimit: 2_000_000n });
  const deployed = await receipt(url, deploy);
  const probeAddress = deployed.contractAddress!;
  const run = await send(url, chainId, key, { nonce: 1, to: probeAddress, data: probe.encodeFunctionData("run", [BENEFICIARY, SALT]), value: 10n, gasLimit: 1_000_000n });
  const ran = await receipt(url, run);
  // one transaction per block on both chains (anvil mines each at once; the node is waited for), so that paging by
  // whole blocks gives the same pages
  const failCustom = await send(url, chainId, key, { nonce: 2, to: probeAddress, data: probe.encodeFunctionData("failCustom", [5]), gasLimit: 100_000n });
  await receipt(url, failCustom);
  const failWithReason = await send(url, chainId, key, { nonce: 3, to: probeAddress, data: probe.encodeFunctionData("failWithReason", []), gasLimit: 100_000n });
  await receipt(url, failWithReason);
  const failDeep = await send(url, chainId, key, { nonce: 4, to: probeAddress, data: probe.encodeFunctionData("failDeep", [3]), gasLimit: 500_000n });
  await receipt(url, failDeep);
  const event = probe.decodeEventLog("Probed", ran.logs[0]!.data);
  return { deploy, run, failCustom, failWithReason, failDeep, probe: probeAddress.toLowerCase(), created: String(event[0]).toLowerCase(), created2: String(event[1]).toLowerCase() };
}

export interface Chains {
  node: NodeProcess;
  anvil: Proc;
  anvilUrl: string;
  dir: string;
  ours: Sent;
  theirs: Sent;
}

/** Starts the node and anvil and sends the fixture's transactions to both. */
export async function startChains(name: string): Promise<Chains> {
  const genesis = await testGenesis({ chainId: CHAIN_ID, validators: 1 });
  const dir = mkdtempSync(path.join(tmpdir(), `luniverse-${name}-`));
  const node = new NodeProcess({ genesis, dataDir: path.join(dir, "data"), rpcPort: await freePort(), p2pPort: await freePort(), peers: [], validator: 1, config: { log: { level: "warn" } } }, name);
  const anvilPort = await freePort();
  const [anvil] = await Promise.all([startAnvil(`${name}-anvil`, anvilPort, ANVIL_CHAIN_ID, ["--steps-tracing"]), node.start()]);
  const anvilUrl = `http://127.0.0.1:${anvilPort}`;
  const [ours, theirs] = await Promise.all([sendProbeTransactions(node.rpc, CHAIN_ID), sendProbeTransactions(anvilUrl, ANVIL_CHAIN_ID)]);
  return { node, anvil, anvilUrl, dir, ours, theirs };
}

export async function stopChains(c: Partial<Chains> | undefined): Promise<void> {
  await Promise.all([c?.node?.stop(), stop(c?.anvil)]);
  if (c?.dir) rmSync(c.dir, { recursive: true, force: true });
}

/** The JSON-RPC error of a call that must fail. */
export async function rpcFailure(url: string, method: string, params: unknown[]): Promise<{ code: number; message: string }> {
  try {
    const r = await call(url, method, params);
    throw new Error(`${method} should fail, got ${JSON.stringify(r)}`);
  } catch (err) {
    const e = err as { code?: number; message: string };
    if (e.code === undefined) throw err;
    return { code: e.code, message: e.message };
  }
}
