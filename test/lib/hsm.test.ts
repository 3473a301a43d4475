/**
 * Keys in a real SoftHSM2 token over PKCS#11: generated inside, never readable, and every signature (transactions of
 * each type, EIP-712 data, EIP-191 messages, the node's votes and own transactions) recovers to the key's address.
 */
import { expect } from "chai";
import * as pkcs11js from "pkcs11js";
import { createFeeMarket1559Tx } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { Transaction, TypedDataEncoder, Wallet, getBytes, hexlify, randomBytes, verifyMessage, verifyTypedData, type TypedDataField } from "ethers";
import { Hsm, HsmError, initToken, listTokens, normaliseSignature } from "../../lib/hsm";
import { HsmSigner, hsmDigestSigner, openHsmSigner, openPkcs11KeySource, parsePkcs11KeySource, privateKeyDigestSigner } from "../../lib/hsmSigner";
import { ConfigError } from "../../lib/config";
import { addressOfKey, commitDigest, recoverSigner, signDigest, signNodeTransaction } from "../../node/consensus/crypto";
import { makeCommon } from "../../node/execution/common";
import { resolveNodeConfig } from "../../node/config";
import { resolveRelayerOptions } from "../../services/relayer/config";
import { TEST_PIN, TEST_SO_PIN, freshToken } from "../helpers/softhsm";

function expectHsmError(fn: () => unknown, code: string, text?: RegExp): HsmError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(HsmError);
    expect((e as HsmError).code).to.equal(code);
    if (text) expect((e as Error).message).to.match(text);
    return e as HsmError;
  }
  throw new Error(`expected HsmError ${code}`);
}

const MAIL_TYPES: Record<string, TypedDataField[]> = {
  Person: [
    { name: "name", type: "string" },
    { name: "wallet", type: "address" },
  ],
  Transfer: [
    { name: "from", type: "Person" },
    { name: "to", type: "Person" },
    { name: "amount", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "memo", type: "bytes" },
  ],
};

describe("HSM keys over PKCS#11 (SoftHSM2)", function () {
  this.timeout(120_000);
  let token: string;
  let hsm: Hsm;

  before(() => {
    token = freshToken("hsm");
    hsm = Hsm.open({ token, pin: TEST_PIN });
  });
  after(() => hsm.close());

  it("generates a secp256k1 key inside the token: sensitive, not extractable, CKA_VALUE cannot be read", () => {
    const key = hsm.generateKey("k-secret");
    expect(key.address).to.match(/^0x[0-9a-fA-F]{40}$/);
    expect(key.publicKey.length).to.equal(65);
    expect(hsm.privateAttribute("k-secret", pkcs11js.CKA_SENSITIVE)[0]).to.equal(1);
    expect(hsm.privateAttribute("k-secret", pkcs11js.CKA_EXTRACTABLE)[0]).to.equal(0);
    expect(hsm.privateAttribute("k-secret", pkcs11js.CKA_NEVER_EXTRACTABLE)[0]).to.equal(1);
    expect(() => hsm.privateAttribute("k-secret", pkcs11js.CKA_VALUE)).to.throw(/CKR_ATTRIBUTE_SENSITIVE/);
  });

  it("finds keys again by label, from a new session, and lists them", () => {
    const a = hsm.generateKey("k-list-a");
    hsm.generateKey("k-list-b");
    const other = Hsm.open({ token, pin: TEST_PIN });
    try {
      expect(other.findKey("k-list-a")!.address).to.equal(a.address);
      expect(other.findKey("nope")).to.equal(null);
      expect(other.listKeys().map((k) => k.label)).to.include.members(["k-list-a", "k-list-b"]);
    } finally {
      other.close();
    }
  });

  it("seals a secret with an AES key kept in the token: it opens only unchanged and with the same associated data", () => {
    const aad = Buffer.from("dapp\u0000user");
    const sealed = hsm.seal("secrets", Buffer.from("JBSWY3DPEHPK3PXP"), aad);
    expect(sealed.length).to.equal(12 + 16 + 16);
    expect(sealed.toString("latin1")).to.not.include("JBSWY3DPEHPK3PXP");
    expect(hsm.open("secrets", sealed, aad).toString()).to.equal("JBSWY3DPEHPK3PXP");
    expect(hsm.seal("secrets", Buffer.from("JBSWY3DPEHPK3PXP"), aad).equals(sealed), "a fresh IV each time").to.equal(false);
    const other = Hsm.open({ token, pin: TEST_PIN });
    try {
      expect(other.open("secrets", sealed, aad).toString(), "another session finds the key in the token").to.equal("JBSWY3DPEHPK3PXP");
    } finally {
      other.close();
    }
    const changed = Buffer.from(sealed);
    changed[20] = changed[20]! ^ 1;
    expectHsmError(() => hsm.open("secrets", changed, aad), "HSM_DECRYPT_FAILED", /was changed/);
    expectHsmError(() => hsm.open("secrets", sealed, Buffer.from("dapp\u0000other")), "HSM_DECRYPT_FAILED");
    expectHsmError(() => hsm.open("secrets", sealed.subarray(0, 20), aad), "HSM_DECRYPT_FAILED", /too short/);
  });

  it("an indexed session answers labels from memory: its own new keys are found, a miss needs no search", () => {
    const own = Hsm.open({ token, pin: TEST_PIN });
    try {
      own.loadIndex();
      expect(own.findKey("k-list-a")!.label).to.equal("k-list-a");
      expect(own.findKey("never-made")).to.equal(null);
      const k = own.generateKey("k-indexed");
      expect(own.findKey("k-indexed")!.address).to.equal(k.address);
      expectHsmError(() => own.generateKey("k-indexed"), "HSM_KEY_EXISTS");
    } finally {
      own.close();
    }
  });

  it("1,000 random transactions (legacy, EIP-2930, EIP-1559) signed through PKCS#11 all recover to the key's address", async () => {
    hsm.generateKey("k-tx");
    const signer = HsmSigner.fromHsm(hsm, "k-tx");
    for (let i = 0; i < 1000; i++) {
      const type = i % 3 === 0 ? 0 : i % 3 === 1 ? 1 : 2;
      const req = {
        type,
        chainId: BigInt(1 + (i % 50_000)),
        nonce: i,
        to: hexlify(randomBytes(20)),
        value: BigInt(hexlify(randomBytes(12))),
        data: hexlify(randomBytes(i % 97)),
        gasLimit: 21_000n + BigInt(i),
        ...(type === 2
          ? {
              maxFeePerGas: BigInt(i) * 7n + 1n,
              maxPriorityFeePerGas: BigInt(i),
            }
          : { gasPrice: BigInt(i) * 3n }),
      };
      const raw = await signer.signTransaction(req);
      const tx = Transaction.from(raw);
      expect(tx.from).to.equal(signer.address);
      expect(tx.signature!.s <= "0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0").to.equal(true);
    }
  });

  it("1,000 random EIP-712 messages and EIP-191 messages signed through PKCS#11 recover in ethers", async () => {
    hsm.generateKey("k-712");
    const signer = HsmSigner.fromHsm(hsm, "k-712");
    for (let i = 0; i < 1000; i++) {
      const domain = {
        name: `App ${i}`,
        version: "1",
        chainId: 1 + i,
        verifyingContract: hexlify(randomBytes(20)),
      };
      const value = {
        from: { name: `a${i}`, wallet: hexlify(randomBytes(20)) },
        to: { name: `b${i}`, wallet: hexlify(randomBytes(20)) },
        amount: BigInt(hexlify(randomBytes(16))),
        nonce: i,
        memo: hexlify(randomBytes(i % 40)),
      };
      const sig = await signer.signTypedData(domain, MAIL_TYPES, value);
      expect(verifyTypedData(domain, MAIL_TYPES, value, sig)).to.equal(signer.address);
      if (i % 10 === 0) {
        const msg = randomBytes(1 + (i % 64));
        expect(verifyMessage(msg, await signer.signMessage(msg))).to.equal(signer.address);
      }
    }
    // the digest signed is the one ethers computes
    const d = TypedDataEncoder.hash({ name: "x" }, { A: [{ name: "v", type: "uint256" }] }, { v: 1 });
    expect(getBytes(d).length).to.equal(32);
  });

  it("signs the node's votes and its own transactions with an HSM key", () => {
    hsm.generateKey("k-node");
    const ds = hsmDigestSigner(hsm, "k-node");
    const digest = commitDigest(1337n, 42n, bytesToHex(randomBytes(32)) as `0x${string}`);
    const sig = signDigest(digest, ds);
    expect(recoverSigner(digest, sig)).to.equal(addressOfKey(ds));
    const common = makeCommon(1337n);
    const tx = signNodeTransaction(
      createFeeMarket1559Tx(
        {
          chainId: 1337n,
          nonce: 3n,
          to: hexToBytes(bytesToHex(randomBytes(20))),
          gasLimit: 100_000n,
          maxFeePerGas: 0n,
          maxPriorityFeePerGas: 0n,
        },
        { common }
      ),
      ds
    );
    expect(tx.getSenderAddress().toString()).to.equal(addressOfKey(ds));
    // a key in memory signs the same way through the same interface
    const w = Wallet.createRandom();
    const mem = privateKeyDigestSigner(getBytes(w.privateKey));
    expect(mem.address).to.equal(w.address);
    expect(recoverSigner(digest, signDigest(digest, mem))).to.equal(w.address.toLowerCase());
  });

  it("imports an existing key (keystore migration): it signs as that address and cannot be read back", () => {
    const w = Wallet.createRandom();
    const key = hsm.importKey("k-imported", getBytes(w.privateKey));
    expect(key.address).to.equal(w.address);
    expect(() => hsm.privateAttribute("k-imported", pkcs11js.CKA_VALUE)).to.throw(/CKR_ATTRIBUTE_SENSITIVE/);
    expect(hsm.privateAttribute("k-imported", pkcs11js.CKA_EXTRACTABLE)[0]).to.equal(0);
    const digest = randomBytes(32);
    expect(recoverSigner(digest, signDigest(digest, hsmDigestSigner(hsm, "k-imported")))).to.equal(w.address.toLowerCase());
    expectHsmError(() => hsm.importKey("k-imported", getBytes(w.privateKey)), "HSM_KEY_EXISTS");
    expectHsmError(() => hsm.importKey("k-zero", new Uint8Array(32)), "HSM_KEY_INVALID", /not a valid 32-byte secp256k1/);
  });

  it("normalises a high-s signature to low s and finds its recovery id", () => {
    const w = Wallet.createRandom();
    const digest = randomBytes(32);
    const sig = w.signingKey.sign(digest);
    const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const highS = N - BigInt(sig.s);
    const rs = getBytes(sig.r + highS.toString(16).padStart(64, "0"));
    const pub = getBytes(w.signingKey.publicKey);
    const n = normaliseSignature(rs, digest, pub);
    expect(hexlify(n.s)).to.equal(sig.s);
    expect(n.recid).to.equal(sig.yParity);
    expectHsmError(() => normaliseSignature(rs.subarray(1), digest, pub), "HSM_SIGN_FAILED", /64/);
    expectHsmError(() => normaliseSignature(rs, randomBytes(32), pub), "HSM_SIGN_FAILED", /recover/);
  });

  it("refuses a wrong PIN, a missing token, a missing or duplicate key, a bad label, a bad digest and a missing module", () => {
    expectHsmError(() => Hsm.open({ token, pin: "000000" }), "HSM_PIN_WRONG", /wrong PIN/);
    expectHsmError(() => Hsm.open({ token, pin: "" }), "HSM_NO_PIN");
    expectHsmError(() => Hsm.open({ token: "no-such-token", pin: TEST_PIN }), "HSM_TOKEN_MISSING", /hsm:init-token/);
    expectHsmError(() => hsm.requireKey("absent"), "HSM_KEY_MISSING", /hsm:create-key/);
    hsm.generateKey("k-dup");
    expectHsmError(() => hsm.generateKey("k-dup"), "HSM_KEY_EXISTS");
    expectHsmError(() => hsm.generateKey("bad label!"), "HSM_KEY_INVALID");
    expectHsmError(() => hsm.signDigest("k-dup", new Uint8Array(31)), "HSM_SIGN_FAILED", /32 bytes/);
    expectHsmError(() => Hsm.open({ module: "/nonexistent/libpkcs11.so", token, pin: TEST_PIN }), "HSM_MODULE", /does not exist/);
    expectHsmError(() => initToken({ label: token, soPin: TEST_SO_PIN, pin: TEST_PIN }), "HSM_TOKEN_EXISTS");
    expectHsmError(() => initToken({ label: "x".repeat(33), soPin: TEST_SO_PIN, pin: TEST_PIN }), "HSM_TOKEN_MISSING", /1 to 32/);
    expectHsmError(() => initToken({ label: "short-pin", soPin: "1", pin: TEST_PIN }), "HSM_NO_PIN");
    expect(listTokens().some((t) => t.label === token)).to.equal(true);
  });

  it("a signer refuses a transaction whose from is another address", async () => {
    hsm.generateKey("k-from");
    const signer = HsmSigner.fromHsm(hsm, "k-from");
    let msg = "";
    await signer
      .signTransaction({
        from: Wallet.createRandom().address,
        to: Wallet.createRandom().address,
        chainId: 1n,
        gasLimit: 21000n,
        gasPrice: 1n,
        nonce: 0,
      })
      .catch((e: Error) => (msg = e.message));
    expect(msg).to.match(/cannot be signed by the HSM key/);
  });

  describe("the pkcs11 key source", () => {
    it("opens a key named by a config, its PIN from the environment", () => {
      hsm.generateKey("k-src");
      const src = parsePkcs11KeySource({ token, key: "k-src", pinEnv: "TEST_HSM_PIN_X" }, "validator.pkcs11");
      expectHsmError(() => openPkcs11KeySource(src, {}), "HSM_NO_PIN", /TEST_HSM_PIN_X/);
      const { digestSigner } = openPkcs11KeySource(src, {
        TEST_HSM_PIN_X: TEST_PIN,
      });
      expect(digestSigner.address).to.equal(hsm.requireKey("k-src").address);
      process.env.TEST_HSM_PIN_Y = TEST_PIN;
      expect(openHsmSigner({ token, key: "k-src", pinEnv: "TEST_HSM_PIN_Y" }).address).to.equal(digestSigner.address);
    });

    it("refuses a PIN written in the config, an unknown key and a missing token or key", () => {
      const bad = (raw: unknown, code: string, text: RegExp): void => {
        try {
          parsePkcs11KeySource(raw, "validator.pkcs11");
        } catch (e) {
          expect(e).to.be.instanceOf(ConfigError);
          expect((e as ConfigError).code).to.equal(code);
          expect((e as Error).message).to.match(text);
          return;
        }
        throw new Error("expected a ConfigError");
      };
      bad({ token: "t", key: "k", pin: "1234" }, "CONFIG_SECRET", /validator\.pkcs11\.pin: a PIN must never be written/);
      bad({ token: "t", key: "k", tokn: "x" }, "CONFIG_UNKNOWN_KEY", /did you mean "validator\.pkcs11\.token"/);
      bad({ key: "k" }, "CONFIG_INVALID", /validator\.pkcs11\.token/);
      bad({ token: "t" }, "CONFIG_INVALID", /validator\.pkcs11\.key/);
      bad("t", "CONFIG_INVALID", /object/);
      bad({ token: "t", key: "k", pinEnv: "not a name" }, "CONFIG_INVALID", /environment variable name/);
    });

    it("the node takes validator.pkcs11 as one key source among keystore and privateKeyEnv", () => {
      const cfg = resolveNodeConfig({
        chainId: 1337,
        validator: { pkcs11: { token, key: "k-src" } },
      });
      expect(cfg.validator!.pkcs11).to.deep.equal({
        module: "/usr/lib/softhsm/libsofthsm2.so",
        token,
        key: "k-src",
        pinEnv: "HSM_PIN",
      });
      expect(() =>
        resolveNodeConfig({
          chainId: 1337,
          validator: { pkcs11: { token, key: "k-src" }, privateKeyEnv: "X" },
        })
      ).to.throw(/one key source .*not privateKeyEnv and pkcs11/);
      expect(() => resolveNodeConfig({ chainId: 1337, validator: {} })).to.throw(/"pkcs11" \(a key in an HSM token/);
    });

    it("the relayer takes --hsm-token (key relayer-<n> by default) and refuses it with a keystore", () => {
      const base = {
        signer: "2",
        mainRpc: "http://127.0.0.1:1",
        productRpc: "http://127.0.0.1:2",
      };
      expect(resolveRelayerOptions({ ...base, hsmToken: token }).hsm).to.deep.equal({
        token,
        key: "relayer-2",
        pinEnv: "HSM_PIN",
        module: undefined,
      });
      expect(() => resolveRelayerOptions({ ...base, hsmToken: token, keystore: "k.json" })).to.throw(/either in an HSM .* or in a keystore/);
      expect(() => resolveRelayerOptions({ ...base, hsmKey: "x" })).to.throw(/need --hsm-token/);
    });
  });
});
