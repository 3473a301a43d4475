/**
 * Hardhat's `task` with the repository's error boundary: an action that throws any error of the repository (an
 * argument, configuration or contract-revert error from `lib/` or an operation) ends the task with that message,
 * printed by Hardhat without a stack trace. Every task file registers its tasks through this function.
 */
import { task as hardhatTask } from "hardhat/config";
import type { ActionType, ConfigurableTaskDefinition, TaskArguments } from "hardhat/types";
import { toTaskError } from "./errors";

export { types } from "hardhat/config";

export function task(name: string, description?: string): ConfigurableTaskDefinition {
  const definition = hardhatTask(name, description);
  const setAction = definition.setAction.bind(definition);
  definition.setAction = <A extends TaskArguments>(action: ActionType<A>) =>
    setAction(async (args: A, hre, runSuper) => {
      try {
        return await action(args, hre, runSuper);
      } catch (e) {
        throw toTaskError(e);
      }
    });
  return definition;
}
