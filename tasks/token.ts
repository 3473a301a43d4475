import { task } from "./lib/task";
import { readFileSync, writeFileSync } from "node:fs";
import { formatUnits } from "ethers";
import { TaskError } from "./lib/errors";
import { parseAddress, parseAmount, parseInteger } from "../lib/args";
import { errorMessage } from "../lib/errors";
import { loadDeployment } from "./lib/system";
import { addressOf, deploymentFromManifest } from "../ops/deployment";
import { issueMainToken } from "../ops/token/issueMainToken";
import { permitProductToken } from "../ops/token/permitProductToken";
import { issueProductToken } from "../ops/token/issueProductToken";
import { permissionFromJson, permissionToJson, type PermissionJson } from "../ops/token/permission";

/** What token:permit-product writes and token:issue-product reads. */
export type PermissionFile = PermissionJson;

function parseDecimals(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 36) throw new TaskError(`--decimals must be an integer 0..36, got "${value}"`);
  return Number(value);
}

/** A ratio is a whole number of product units per main unit; its upper bound is the contracts' (MAX_RATIO). */
export function parseRatio(value: string): bigint {
  const ratio = parseInteger("ratio", value);
  if (ratio === 0n) throw new TaskError("--ratio must be at least 1");
  return ratio;
}

task("token:issue-main", "Issues a main token through the MainTokenFactory (the sender needs the CP role)")
  .addParam("name", "Token name")
  .addParam("symbol", "Token symbol")
  .addOptionalParam("decimals", "Decimals", "18")
  .addParam("supply", "Initial supply in whole tokens, minted to the sender")
  .addParam("cap", "Maximum supply in whole tokens")
  .addOptionalParam("from", "Account index or address of the consortium partner", "0")
  .setAction(async (args: { name: string; symbol: string; decimals: string; supply: string; cap: string; from: string }, hre) => {
    const decimals = parseDecimals(args.decimals);
    const supply = args.supply === "0" ? 0n : parseAmount("supply", args.supply, decimals);
    const cap = parseAmount("cap", args.cap, decimals);
    const d = await loadDeployment(hre, args.from);
    const factory = addressOf(deploymentFromManifest(d.manifest, d.file), "MainTokenFactory");
    const { token } = await issueMainToken(d.signer, { factory, name: args.name, symbol: args.symbol, decimals, supply, cap });
    console.log(`main token ${args.symbol} at ${token}: supply ${formatUnits(supply, decimals)}, cap ${formatUnits(cap, decimals)}`);
    return token;
  });

task("token:permit-product", "Signs, as the CP, an EIP-712 permission for a PD to issue a product token")
  .addParam("mainToken", "The CP's main token")
  .addParam("ratio", "Product units per main unit (1, 2, 10 …)")
  .addParam("pd", "Product developer allowed to issue")
  .addOptionalParam("expiresIn", "Seconds the permission stays valid", "604800")
  .addOptionalParam("productChainId", "Chain id of the product chain (default: this network's; another chain's is signed offline, unchecked)")
  .addOptionalParam("factory", "ProductTokenFactory on the product chain (default: this network's deployment)")
  .addOptionalParam("out", "Write the permission JSON to this file (default: print it)")
  .addOptionalParam("from", "Account index or address of the CP (the main token's issuer)", "0")
  .setAction(
    async (
      args: { mainToken: string; ratio: string; pd: string; expiresIn: string; productChainId?: string; factory?: string; out?: string; from: string },
      hre,
    ) => {
      const mainToken = parseAddress("main-token", args.mainToken);
      const ratio = parseRatio(args.ratio);
      const pd = parseAddress("pd", args.pd);
      const expiresIn = parseInteger("expires-in", args.expiresIn);
      const d = await loadDeployment(hre, args.from);
      const factory = args.factory ? parseAddress("factory", args.factory) : addressOf(deploymentFromManifest(d.manifest, d.file), "ProductTokenFactory");
      const here = (await hre.ethers.provider.getNetwork()).chainId;
      const productChainId = args.productChainId ? parseInteger("product-chain-id", args.productChainId) : here;
      // the permission is checked by this network's factory when it is for this network
      const product = productChainId === here ? hre.ethers.provider : undefined;
      const signed = await permitProductToken({ cp: d.signer, product }, { factory, mainToken, ratio, productDeveloper: pd, productChainId, expiresIn });
      const file: PermissionFile = permissionToJson(signed);
      const json = JSON.stringify(file, null, 2);
      if (args.out) {
        writeFileSync(args.out, `${json}\n`);
        console.log(`permission for ${pd} (1:${ratio}, expires ${new Date(Number(signed.permission.expiry) * 1000).toISOString()}) written to ${args.out}`);
      } else {
        console.log(json);
      }
      return file;
    },
  );

task("token:issue-product", "Issues a product token with a CP's permission (run by the PD on the product chain)")
  .addParam("permission", "Permission JSON file written by token:permit-product")
  .addParam("name", "Token name")
  .addParam("symbol", "Token symbol")
  .addOptionalParam("decimals", "Decimals", "18")
  .addOptionalParam("from", "Account index or address of the product developer", "0")
  .setAction(async (args: { permission: string; name: string; symbol: string; decimals: string; from: string }, hre) => {
    const decimals = parseDecimals(args.decimals);
    let permit;
    try {
      permit = permissionFromJson(JSON.parse(readFileSync(args.permission, "utf8")));
    } catch (e) {
      throw new TaskError(`--permission ${args.permission} is not a permission file from token:permit-product: ${errorMessage(e)}`);
    }
    const d = await loadDeployment(hre, args.from);
    const factory = addressOf(deploymentFromManifest(d.manifest, d.file), "ProductTokenFactory");
    const r = await issueProductToken(d.signer, { permit, name: args.name, symbol: args.symbol, decimals, factory });
    console.log(`product token ${args.symbol} at ${r.token} (1:${r.ratio} of ${r.mainToken}); minter: ${r.minter}`);
    return r.token;
  });
