import { decodeBytes32String, type Provider } from "ethers";
import { connectContract } from "../contracts";
import { OperationError } from "../errors";
import { readToken, type ReadTokenReturnType } from "../token/readToken";

export interface ReadRewardEngineParameters {
  /** The `RewardEngineFactory` that must have created the engine. */
  factory: string;
  engine: string;
  /** Also tell whether this address may report. */
  reporter?: string;
  /** Also read every behaviour (default false). */
  behaviours?: boolean;
}

export interface RewardBehaviour {
  /** The behaviour's bytes32 id. */
  id: string;
  /** The id as text when it is a short string (`daily-login`), else the hex id. */
  name: string;
  rewardPerOccurrence: bigint;
  /** 0: no cap. */
  perUserCap: bigint;
  /** Seconds. */
  cooldown: bigint;
  budget: bigint;
  paid: bigint;
}

export interface ReadRewardEngineReturnType {
  engine: string;
  /** The token the engine pays. */
  token: ReadTokenReturnType;
  owner: string;
  paused: boolean;
  /** Set aside by budgets and not yet paid. */
  allocated: bigint;
  /** Held by no budget: what new budgets and withdrawals can use. */
  unallocated: bigint;
  /** Whether `reporter` may report (when asked). */
  isReporter?: boolean;
  /** When asked. */
  behaviours?: RewardBehaviour[];
}

/**
 * A reward engine's state, after checking that the factory created it (`RewardEngineFactory.isEngine`): its token,
 * owner, funds and, when asked, a reporter's authorisation and the behaviours.
 */
export async function readRewardEngine(provider: Provider, parameters: ReadRewardEngineParameters): Promise<ReadRewardEngineReturnType> {
  const factory = connectContract("RewardEngineFactory", parameters.factory, provider);
  if (!(await factory.isEngine(parameters.engine))) {
    throw new OperationError("OP_PRECONDITION", `${parameters.engine} is not a reward engine of RewardEngineFactory ${parameters.factory}`, {
      hint: "create one with reward:create",
    });
  }
  const engine = connectContract("RewardEngine", parameters.engine, provider);
  const [tokenAddress, owner, paused, allocated, unallocated] = await Promise.all([
    engine.token(),
    engine.owner(),
    engine.paused(),
    engine.allocated(),
    engine.unallocated(),
  ]);
  const result: ReadRewardEngineReturnType = {
    engine: parameters.engine,
    token: await readToken(provider, { token: tokenAddress }),
    owner,
    paused,
    allocated,
    unallocated,
  };
  if (parameters.reporter !== undefined) result.isReporter = await engine.isReporter(parameters.reporter);
  if (parameters.behaviours) {
    result.behaviours = [];
    for (const id of await engine.behaviourIds()) {
      const b = await engine.behaviour(id);
      result.behaviours.push({ id, name: textOf(id), rewardPerOccurrence: b.rewardPerOccurrence, perUserCap: b.perUserCap, cooldown: b.cooldown, budget: b.budget, paid: b.paid });
    }
  }
  return result;
}

function textOf(id: string): string {
  try {
    return decodeBytes32String(id);
  } catch {
    return id; // not a short text
  }
}
