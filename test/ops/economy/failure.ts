import { expect } from "chai";

/** What an operation threw: an OperationError (`OP_…`) or a decoded revert (`CONTRACT_REVERT` with `errorName`). */
export async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; errorName?: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code: string; message: string; errorName?: string };
  }
  return expect.fail("expected the operation to fail");
}
