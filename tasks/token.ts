import { task } from "./lib/task";
import { readFileSync, writeFileSync } from "node:fs";
import { formatUnits } from "ethers";
import { TaskError } from "./lib/errors";
import { explainRevert } from "../lib/revert";
import { parseAddress, parseAmount, parseInteger } from "../lib/args";
import { loadSystem } from "./lib/system";
import { signProductPermission } from "./lib/permission";

/** What token:permit-product writes and token:issue-product reads. */
export interface PermissionFile {
  factory: string;
  permission: { productChainId: string; mainToken: string; ratio: string; productDeveloper: string; expiry: string };
  signature: string;
}

function parseDecimals(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 36) throw new TaskError(`--decimals must be an integer 0..36, got "${value}"`);
  return Number(value);
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
    const { mainTokenFactory } = await loadSystem(hre, args.from);
    const receipt = await explainRevert(
      "token:issue-main",
      async () => (await mainTokenFactory.issueMainToken(args.name, args.symbol, decimals, supply, cap)).wait(),
      { MainTokenFactoryNotConsortiumPartner: "governance grants the CP role: npx hardhat gov:propose --action grant-cp --address <cp>" },
    );
    const ev = receipt!.logs.map((l) => mainTokenFactory.interface.parseLog(l)).find((p) => p?.name === "MainTokenIssued");
    const token = ev!.args.token as string;
    console.log(`main token ${args.symbol} at ${token}: supply ${formatUnits(supply, decimals)}, cap ${formatUnits(cap, decimals)}`);
    return token;
  });

task("token:permit-product", "Signs, as the CP, an EIP-712 permission for a PD to issue a product token")
  .addParam("mainToken", "The CP's main token")
  .addParam("ratio", "Product units per main unit (1, 2, 10 …)")
  .addParam("pd", "Product developer allowed to issue")
  .addOptionalParam("expiresIn", "Seconds the permission stays valid", "604800")
  .addOptionalParam("productChainId", "Chain id of the product chain (default: this network's)")
  .addOptionalParam("factory", "ProductTokenFactory on the product chain (default: this network's deployment)")
  .addOptionalParam("out", "Write the permission JSON to this file (default: print it)")
  .addOptionalParam("from", "Account index or address of the CP (the main token's issuer)", "0")
  .setAction(
    async (
      args: { mainToken: string; ratio: string; pd: string; expiresIn: string; productChainId?: string; factory?: string; out?: string; from: string },
      hre,
    ) => {
      const mainToken = parseAddress("main-token", args.mainToken);
      const ratio = parseInteger("ratio", args.ratio);
      if (ratio === 0n) throw new TaskError("--ratio must be at least 1");
      const pd = parseAddress("pd", args.pd);
      const expiresIn = parseInteger("expires-in", args.expiresIn);
      const sys = await loadSystem(hre, args.from);
      const factory = args.factory ? parseAddress("factory", args.factory) : await sys.productTokenFactory.getAddress();
      const chainId = args.productChainId ? parseInteger("product-chain-id", args.productChainId) : (await hre.ethers.provider.getNetwork()).chainId;
      const now = BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp);
      const permission = { productChainId: chainId, mainToken, ratio, productDeveloper: pd, expiry: now + expiresIn };
      const signature = await signProductPermission(sys.signer, factory, permission);
      const file: PermissionFile = {
        factory,
        permission: {
          productChainId: chainId.toString(),
          mainToken,
          ratio: ratio.toString(),
          productDeveloper: pd,
          expiry: permission.expiry.toString(),
        },
        signature,
      };
      const json = JSON.stringify(file, null, 2);
      if (args.out) {
        writeFileSync(args.out, `${json}\n`);
        console.log(`permission for ${pd} (1:${ratio}, expires ${new Date(Number(permission.expiry) * 1000).toISOString()}) written to ${args.out}`);
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
    let file: PermissionFile;
    try {
      file = JSON.parse(readFileSync(args.permission, "utf8")) as PermissionFile;
      if (!file.permission || !file.signature) throw new Error("missing permission or signature");
    } catch (e) {
      throw new TaskError(`--permission ${args.permission} is not a permission file from token:permit-product: ${(e as Error).message}`);
    }
    const sys = await loadSystem(hre, args.from);
    const factory = sys.productTokenFactory;
    if (file.factory.toLowerCase() !== (await factory.getAddress()).toLowerCase()) {
      throw new TaskError(`the permission is for factory ${file.factory}, but this network's ProductTokenFactory is ${await factory.getAddress()}`);
    }
    const receipt = await explainRevert(
      "token:issue-product",
      async () => (await factory.issueProductToken(file.permission, file.signature, { name: args.name, symbol: args.symbol, decimals })).wait(),
      {
        ProductTokenFactoryUnknownMainToken: "governance must first record the main token's CP on this chain (gov:propose --action set-main-token-issuer)",
        ProductTokenFactoryNotPermittedDeveloper: "send from the product developer named in the permission (--from)",
        ProductTokenFactoryPermissionExpired: "ask the CP for a new permission (token:permit-product)",
      },
    );
    const ev = receipt!.logs.map((l) => factory.interface.parseLog(l)).find((p) => p?.name === "ProductTokenIssued");
    const token = ev!.args.token as string;
    console.log(`product token ${args.symbol} at ${token} (1:${file.permission.ratio} of ${file.permission.mainToken}); minter: ${await factory.bridge()}`);
    return token;
  });
