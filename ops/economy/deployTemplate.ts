import { ZeroAddress, type Signer } from "ethers";
import { decodeCustomError, explainError } from "../../lib/revert";
import { connectContract } from "../contracts";
import { OperationError } from "../errors";
import { findEvent, sendAndWait } from "../receipts";
import { ensureAllowance } from "../token/ensureAllowance";
import { ECONOMY_HINTS } from "./hints";

/** The template kinds, in the order of the contracts' `TemplateKind` enum. */
export const TEMPLATE_KINDS = ["transfer", "vesting", "stake", "burn"] as const;
export type TemplateKindName = (typeof TEMPLATE_KINDS)[number];

/** A template's limits in base units and operations; zero means no limit. */
export interface TemplateLimits {
  maxPerTransfer: bigint;
  maxPerDayCount: bigint;
  maxPerDayAmount: bigint;
}

export const NO_LIMITS: TemplateLimits = { maxPerTransfer: 0n, maxPerDayCount: 0n, maxPerDayAmount: 0n };

interface Common {
  /** The `TemplateFactory`. */
  factory: string;
  /** The ERC-20 the template works with. */
  token: string;
  /** Default: none. */
  limits?: TemplateLimits;
}

export type DeployTemplateParameters = Common &
  (
    | { kind: "transfer"; /** Fee in basis points (default 0). */ feeBps?: bigint; /** Required by the contract when `feeBps` > 0. */ feeRecipient?: string }
    | {
        kind: "vesting";
        beneficiary: string;
        /** Base units moved from the sender into the template (the factory is approved first when needed). */
        amount: bigint;
        /** Unix seconds (default: the latest block's timestamp). */
        start?: bigint;
        /** Seconds after `start` (default 0). */
        cliff?: bigint;
        /** Seconds from `start` to full vesting. */
        duration: bigint;
        revocable?: boolean;
      }
    | { kind: "stake"; /** Seconds each stake stays locked (default 0). */ lockPeriod?: bigint }
    | { kind: "burn" }
  );

export interface DeployTemplateReturnType {
  /** The new template (an EIP-1167 clone owned by the sender). */
  instance: string;
  kind: TemplateKindName;
  owner: string;
  /** Vesting: the start used (the latest block's timestamp when none was given). */
  start?: bigint;
  /** Vesting: the approval of the factory, when one was sent. */
  approvalHash?: string;
  transactionHash: string;
}

/**
 * Deploys a transaction template through the `TemplateFactory`, owned by the sender. The factory and the template
 * check every rule (fee cap, lock cap, schedule, limits, pause); a revert names its custom error. A vesting that
 * needs an approval is first tried with a zero amount (a static call, which the template refuses with
 * `TemplateZeroAmount` only after accepting everything else), so a schedule the contract refuses never costs an
 * approval.
 */
export async function deployTemplate(owner: Signer, parameters: DeployTemplateParameters): Promise<DeployTemplateReturnType> {
  const factory = connectContract("TemplateFactory", parameters.factory, owner);
  const limits = parameters.limits ?? NO_LIMITS;
  const { token } = parameters;
  const what = "template:deploy";
  let send: () => ReturnType<typeof factory.deployBurn>;
  let start: bigint | undefined;
  let approvalHash: string | undefined;
  switch (parameters.kind) {
    case "transfer":
      send = () => factory.deployTransfer(token, parameters.feeBps ?? 0n, parameters.feeRecipient ?? ZeroAddress, limits);
      break;
    case "vesting": {
      start = parameters.start ?? BigInt((await owner.provider!.getBlock("latest"))!.timestamp);
      const schedule = { beneficiary: parameters.beneficiary, start, cliff: parameters.cliff ?? 0n, duration: parameters.duration, revocable: parameters.revocable ?? false };
      const spender = parameters.factory;
      const allowance = await connectContract("IERC20Metadata", token, owner).allowance(await owner.getAddress(), spender);
      if (allowance < parameters.amount) {
        await factory.deployVesting.staticCall(token, schedule, 0n, limits).then(
          () => undefined,
          (e: unknown) => {
            if (decodeCustomError(e)?.name !== "TemplateZeroAmount") throw explainError(what, e, ECONOMY_HINTS);
          },
        );
        approvalHash = (await ensureAllowance(owner, { token, spender, amount: parameters.amount })).transactionHash;
      }
      send = () => factory.deployVesting(token, schedule, parameters.amount, limits);
      break;
    }
    case "stake":
      send = () => factory.deployStake(token, parameters.lockPeriod ?? 0n, limits);
      break;
    case "burn":
      send = () => factory.deployBurn(token, limits);
      break;
    default:
      throw new OperationError("OP_INVALID_PARAMETER", `unknown template kind "${(parameters as { kind: string }).kind}"`, {
        hint: `one of ${TEMPLATE_KINDS.join(", ")}`,
      });
  }
  const receipt = await sendAndWait(what, send, ECONOMY_HINTS);
  const event = findEvent(receipt, parameters.factory, factory.interface, "TemplateDeployed");
  return {
    instance: event.args.instance as string,
    kind: parameters.kind,
    owner: event.args.owner as string,
    ...(start === undefined ? {} : { start }),
    ...(approvalHash === undefined ? {} : { approvalHash }),
    transactionHash: receipt.hash,
  };
}
