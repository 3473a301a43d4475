/**
 * A long chain built quickly for the disaster-recovery tests and `bench:dr`: blocks are built, signed and committed
 * by the node's own code (Chain, Executor, commit signatures of the validators' dev keys) in one process, with
 * timestamps one second apart from the genesis timestamp instead of the wall clock — so 20,000 blocks take a minute
 * or two instead of 20,000 seconds of a running node. A node process opened on the folder afterwards continues the
 * same chain (the blocks are what its own proposer would have built in round 0, with the same system calls: none).
 */
import { createFeeMarket1559Tx, type TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes, type PrefixedHexString as Hex } from "@ethereumjs/util";
import { devWallet } from "../../lib/accounts";
import { Chain } from "../../node/chain/chain";
import { commitDigest, signDigest } from "../../node/consensus/crypto";
import { extraDataFor } from "../../node/consensus/messages";
import { HeadCaller, ValidatorSetReader } from "../../node/consensus/validators";
import { makeCommon } from "../../node/execution/common";
import type { GenesisFile } from "../../node/genesis/genesis";

export interface HistoryOptions {
  dataDir: string;
  genesis: GenesisFile;
  /** Dev account indices of the validators (any order: blocks follow the validator set's own order). */
  validators: number[];
  /** Height to reach (blocks already in the folder count). */
  blocks: number;
  /** Value transfers per block, sent round-robin by `senders`. */
  txsPerBlock: number;
  /** Dev account indices that send the transfers (funded in the dev genesis). Default 10..19. */
  senders?: number[];
  /** Called every 1,000 blocks. */
  progress?: (height: number, txs: number) => void;
}

export interface History {
  height: number;
  hash: Hex;
  stateRoot: Hex;
  transactions: number;
}

export async function buildHistory(o: HistoryOptions): Promise<History> {
  const chainId = BigInt(o.genesis.config.chainId);
  const common = makeCommon(chainId);
  const chain = await Chain.open(o.dataDir, o.genesis, common);
  const keys = new Map<string, Uint8Array>();
  for (const i of o.validators) {
    const w = devWallet(i);
    keys.set(w.address.toLowerCase(), hexToBytes(w.privateKey as Hex));
  }
  const senders = (o.senders ?? [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]).map((i) => {
    const w = devWallet(i);
    return { key: hexToBytes(w.privateKey as Hex), address: w.address.toLowerCase(), nonce: 0n };
  });
  const reader = new ValidatorSetReader(new HeadCaller(chain.executor, () => chain.head), o.genesis.luniverse.systemContracts.ValidatorSet as Hex, () => chain.height);
  let transactions = 0;
  try {
    for (const s of senders) s.nonce = (await chain.executor.head.headAccount(s.address))?.nonce ?? 0n;
    const baseFee = BigInt(o.genesis.baseFeePerGas);
    let next = 0;
    while (chain.height < BigInt(o.blocks)) {
      const parent = chain.head;
      const number = parent.header.number + 1n;
      const validators = await reader.validatorsAt(number);
      const proposer = validators[Number(number % BigInt(validators.length))]!;
      if (!keys.has(proposer)) throw new Error(`buildHistory: no key for validator ${proposer} (pass its dev account index)`);
      const txs: TypedTransaction[] = [];
      for (let i = 0; i < o.txsPerBlock; i++) {
        const s = senders[next++ % senders.length]!;
        const to = senders[next % senders.length]!.address as Hex;
        txs.push(
          createFeeMarket1559Tx(
            { chainId, nonce: s.nonce++, to, value: 1n, gasLimit: 21_000n, maxFeePerGas: baseFee * 2n, maxPriorityFeePerGas: 0n },
            { common },
          ).sign(s.key),
        );
      }
      const executed = await chain.executor.build(
        parent,
        { number, timestamp: parent.header.timestamp + 1n, coinbase: proposer, gasLimit: parent.header.gasLimit, baseFeePerGas: baseFee, extraData: extraDataFor(0) },
        [],
        txs,
        { maxTxs: txs.length },
      );
      if (executed.block.transactions.length !== txs.length) throw new Error(`buildHistory: block ${number} took ${executed.block.transactions.length} of ${txs.length} transfers`);
      const hash = bytesToHex(executed.block.hash()) as Hex;
      const digest = commitDigest(chainId, number, hash);
      const signatures = validators.filter((v) => keys.has(v)).map((v) => ({ validator: v, signature: signDigest(digest, keys.get(v)!) }));
      await chain.commit(executed, signatures);
      transactions += txs.length;
      if (o.progress && number % 1000n === 0n) o.progress(Number(number), transactions);
    }
    return { height: Number(chain.height), hash: bytesToHex(chain.head.hash()) as Hex, stateRoot: bytesToHex(chain.head.header.stateRoot) as Hex, transactions };
  } finally {
    await chain.close();
  }
}
