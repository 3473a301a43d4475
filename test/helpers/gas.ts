import { expect } from "chai";
import type { ContractTransactionResponse } from "ethers";

/** Collects gas used per operation from receipts and prints it as a table (the `npm run gas` scenarios). */
export class GasTable {
  readonly rows: { operation: string; gasUsed: number }[] = [];

  /** Waits for `tx`, asserts it succeeded and records its gas under `operation`. */
  async measure(operation: string, tx: Promise<ContractTransactionResponse>): Promise<void> {
    const receipt = await (await tx).wait();
    expect(receipt?.status, operation).to.equal(1);
    this.rows.push({ operation, gasUsed: Number(receipt!.gasUsed) });
  }

  record(operation: string, gasUsed: bigint | number): void {
    this.rows.push({ operation, gasUsed: Number(gasUsed) });
  }

  print(title: string): void {
    console.log(`\n  ${title} (receipts, solc 0.8.28, optimizer 200 runs):`);
    console.table(this.rows);
  }
}
