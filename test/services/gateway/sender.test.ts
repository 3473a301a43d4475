import { expect } from "chai";
import { RLP } from "@ethereumjs/rlp";
import { Wallet } from "ethers";
import { recoverSender, transactionTarget } from "../../../services/gateway/sender";

describe("gateway sender", function () {
  const wallet = new Wallet("0x" + "11".repeat(32));
  const from = wallet.address.toLowerCase();
  const target = "0x" + "ab".repeat(20);

  const base = { to: target, nonce: 7, gasLimit: 21_000n, value: 1n, data: "0x" };

  it("recovers the sender and target of a pre-EIP-155 legacy transaction", async () => {
    const raw = await wallet.signTransaction({ ...base, type: 0, gasPrice: 10n ** 9n });
    expect(recoverSender(raw)).to.equal(from);
    expect(transactionTarget(raw)).to.equal(target.toLowerCase());
  });

  it("recovers the sender and target of an EIP-155 legacy transaction", async () => {
    const raw = await wallet.signTransaction({ ...base, type: 0, chainId: 1337n, gasPrice: 10n ** 9n });
    expect(recoverSender(raw)).to.equal(from);
    expect(transactionTarget(raw)).to.equal(target.toLowerCase());
  });

  it("recovers the sender and target of an EIP-2930 transaction", async () => {
    const raw = await wallet.signTransaction({
      ...base,
      type: 1,
      chainId: 20_261_204n,
      gasPrice: 10n ** 9n,
      accessList: [{ address: target, storageKeys: ["0x" + "00".repeat(31) + "01"] }],
    });
    expect(raw.startsWith("0x01")).to.equal(true);
    expect(recoverSender(raw)).to.equal(from);
    expect(transactionTarget(raw)).to.equal(target.toLowerCase());
  });

  it("recovers the sender and target of an EIP-1559 transaction", async () => {
    const raw = await wallet.signTransaction({ ...base, type: 2, chainId: 5n, maxFeePerGas: 2n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n });
    expect(raw.startsWith("0x02")).to.equal(true);
    expect(recoverSender(raw)).to.equal(from);
    expect(transactionTarget(raw)).to.equal(target.toLowerCase());
  });

  it("recovers the sender and target of an EIP-7702 transaction", async () => {
    const authorization = await wallet.authorize({ address: target, nonce: 1, chainId: 5n });
    const raw = await wallet.signTransaction({ ...base, type: 4, chainId: 5n, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n, authorizationList: [authorization] });
    expect(raw.startsWith("0x04")).to.equal(true);
    expect(recoverSender(raw)).to.equal(from);
    expect(transactionTarget(raw)).to.equal(target.toLowerCase());
  });

  it("gives null for a signature that cannot be recovered (v out of range)", async () => {
    const raw = await wallet.signTransaction({ ...base, type: 2, chainId: 5n, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n });
    const fields = RLP.decode(Buffer.from(raw.slice(4), "hex")) as Uint8Array[];
    fields[9] = Uint8Array.of(5);
    const bad = "0x02" + Buffer.from(RLP.encode(fields)).toString("hex");
    expect(recoverSender(bad)).to.equal(null);
  });

  it("tells two signers apart", async () => {
    const other = new Wallet("0x" + "22".repeat(32));
    const raw = await other.signTransaction({ ...base, type: 2, chainId: 5n, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n });
    expect(recoverSender(raw)).to.equal(other.address.toLowerCase());
    expect(recoverSender(raw)).not.to.equal(from);
  });

  it("gives a null target for a contract creation, and still its sender", async () => {
    const raw = await wallet.signTransaction({ type: 2, chainId: 5n, nonce: 0, gasLimit: 100_000n, data: "0x6000", maxFeePerGas: 2n, maxPriorityFeePerGas: 1n });
    expect(transactionTarget(raw)).to.equal(null);
    expect(recoverSender(raw)).to.equal(from);
  });

  it("gives null, never throws, on garbage", async () => {
    const signed = await wallet.signTransaction({ ...base, type: 2, chainId: 5n, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n });
    const garbage: unknown[] = ["", "0x", "0x1", "hello", "0xzz", "0x" + "ff".repeat(40), "0x02c0", "0xc0", signed.slice(0, -4), signed + "00", 42, null, undefined];
    // A signature that does not recover: r and s zeroed in a legacy transaction.
    const legacy = await wallet.signTransaction({ ...base, type: 0, gasPrice: 1n });
    garbage.push(legacy.slice(0, -130) + "a0" + "00".repeat(32) + "a0" + "00".repeat(32));
    for (const raw of garbage) {
      expect(recoverSender(raw as string), String(raw)).to.equal(null);
      expect(transactionTarget(raw as string), String(raw)).to.equal(null);
    }
  });
});
