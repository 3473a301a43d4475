import { expect } from "chai";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { KECCAK256_RLP, MapDB, ValueEncoding, bytesToHex, type BatchDBOp } from "@ethereumjs/util";
import { keccak256 } from "../../node/execution/common";
import { applyTrieBatch, hexKey, trieGet, TrieError, type TrieNodeStore, type TrieUpdate } from "../../node/storage/batchTrie";

/** mulberry32: a seeded generator, so a failure reproduces. */
function generator(seed: number): (below: number) => number {
  let a = seed >>> 0;
  return (below) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * below);
  };
}

/** The store `applyTrieBatch` writes into, counting writes. */
class MemoryStore implements TrieNodeStore {
  readonly map = new Map<string, Uint8Array>();
  writes = 0;
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.map.get(key);
  }
  async batch(ops: BatchDBOp<string, Uint8Array>[]): Promise<void> {
    for (const op of ops) if (op.type === "put") this.map.set(op.key, op.value);
    this.writes += ops.length;
  }
}

const hash = (d: Uint8Array) => keccak256(d);

interface Model {
  /** ethereumjs' trie: one put/del per update. */
  reference: MerklePatriciaTrie;
  store: MemoryStore;
  root: Uint8Array;
  /** key (as given to ethereumjs) hex → value hex */
  live: Map<string, Uint8Array>;
  hashed: boolean;
}

function newModel(hashed: boolean): Model {
  return {
    reference: new MerklePatriciaTrie({ useKeyHashing: hashed }),
    store: new MemoryStore(),
    root: KECCAK256_RLP,
    live: new Map(),
    hashed,
  };
}

/** Applies `ops` both ways and checks the roots agree, and that every live key reads back from the batch's store. */
async function step(model: Model, ops: { key: Uint8Array; value: Uint8Array | null }[]): Promise<void> {
  for (const op of ops) {
    if (op.value === null || op.value.length === 0) await model.reference.del(op.key);
    else await model.reference.put(op.key, op.value);
    if (op.value === null || op.value.length === 0) model.live.delete(hexKey(op.key));
    else model.live.set(hexKey(op.key), op.value);
  }
  const updates: TrieUpdate[] = ops.map((op) => ({ key: model.hashed ? hash(op.key) : op.key, value: op.value }));
  const { root } = await applyTrieBatch(model.store, model.root, updates, { hash });
  expect(bytesToHex(root)).to.equal(bytesToHex(model.reference.root()));
  model.root = root;
}

/** Every live key reads its value from the batch's nodes alone — through ethereumjs and through trieGet. */
async function verifyReads(model: Model, absent: Uint8Array[]): Promise<void> {
  const db = new MapDB<string, Uint8Array>();
  for (const [k, v] of model.store.map) await db.put(k, v);
  const reader = new MerklePatriciaTrie({ db, root: model.root, useKeyHashing: model.hashed, valueEncoding: ValueEncoding.Bytes });
  for (const [k, v] of model.live) {
    const key = Uint8Array.from(Buffer.from(k, "hex"));
    expect(bytesToHex((await reader.get(key, true))!)).to.equal(bytesToHex(v));
    const got = await trieGet(model.store, model.root, model.hashed ? hash(key) : key, KECCAK256_RLP);
    expect(got && bytesToHex(got)).to.equal(bytesToHex(v));
  }
  for (const key of absent) {
    if (model.live.has(hexKey(key))) continue;
    expect(await reader.get(key)).to.equal(null);
    expect(await trieGet(model.store, model.root, model.hashed ? hash(key) : key, KECCAK256_RLP)).to.equal(null);
  }
}

describe("node/storage/batchTrie: a batch of updates applied in one pass", function () {
  this.timeout(300_000);

  it("gives ethereumjs' root for random puts, overwrites and deletes of hashed keys (secure trie), batch after batch", async () => {
    const random = generator(0xb47c);
    const bytes = (n: number) => Uint8Array.from({ length: n }, () => random(256));
    let batches = 0;
    for (let w = 0; w < 60; w++) {
      const model = newModel(true);
      const keys: Uint8Array[] = [];
      const rounds = 1 + random(12);
      for (let r = 0; r < rounds; r++) {
        const ops: { key: Uint8Array; value: Uint8Array | null }[] = [];
        const n = 1 + random(r === 0 ? 200 : 60);
        for (let i = 0; i < n; i++) {
          const roll = random(10);
          if (roll < 4 || keys.length === 0) {
            const key = bytes(20);
            keys.push(key);
            ops.push({ key, value: bytes(1 + random(80)) });
          } else if (roll < 7) ops.push({ key: keys[random(keys.length)]!, value: bytes(1 + random(80)) });
          else if (roll < 9) ops.push({ key: keys[random(keys.length)]!, value: random(2) === 0 ? null : new Uint8Array(0) });
          else ops.push({ key: bytes(20), value: null }); // delete of an absent key
        }
        await step(model, ops);
        batches++;
      }
      await verifyReads(model, [bytes(20), ...keys.slice(0, 10)]);
    }
    expect(batches).to.be.greaterThan(300);
  });

  it("gives ethereumjs' root for unhashed keys with long shared prefixes and tiny values (embedded nodes, collapses into extensions and leaves)", async () => {
    const random = generator(0x5eed);
    let batches = 0;
    for (let w = 0; w < 150; w++) {
      const model = newModel(false);
      const base = Uint8Array.from({ length: 32 }, () => random(256));
      // keys differ from the base in a few nibbles near a chosen depth, so paths share long prefixes
      const deep = random(3) === 0 ? 60 : random(64);
      const makeKey = () => {
        const k = base.slice();
        const changes = 1 + random(3);
        for (let c = 0; c < changes; c++) {
          const at = Math.min(63, deep + random(64 - deep));
          const b = at >> 1;
          k[b] = (at & 1) === 0 ? (k[b]! & 0x0f) | (random(3) << 4) : (k[b]! & 0xf0) | random(3);
        }
        return k;
      };
      const value = () => Uint8Array.from({ length: random(4) === 0 ? 1 + random(40) : 1 + random(3) }, () => random(256));
      const keys: Uint8Array[] = [];
      const rounds = 1 + random(15);
      for (let r = 0; r < rounds; r++) {
        const ops: { key: Uint8Array; value: Uint8Array | null }[] = [];
        const n = 1 + random(25);
        for (let i = 0; i < n; i++) {
          const roll = random(10);
          if (roll < 4 || keys.length === 0) {
            const key = makeKey();
            keys.push(key);
            ops.push({ key, value: value() });
          } else if (roll < 6) ops.push({ key: keys[random(keys.length)]!, value: value() });
          else ops.push({ key: random(5) === 0 ? makeKey() : keys[random(keys.length)]!, value: null });
        }
        await step(model, ops);
        batches++;
      }
      await verifyReads(model, [makeKey(), makeKey(), base]);
    }
    expect(batches).to.be.greaterThan(1000);
  });

  it("deletes that leave one key, then none, give the single-leaf root and then the empty root", async () => {
    const random = generator(7);
    for (let w = 0; w < 100; w++) {
      const model = newModel(w % 2 === 0);
      const keys = Array.from({ length: 2 + random(40) }, () => Uint8Array.from({ length: 32 }, () => random(4)));
      await step(
        model,
        keys.map((key) => ({ key, value: Uint8Array.of(random(256)) })),
      );
      const distinct = [...new Map(keys.map((k) => [hexKey(k), k])).values()];
      await step(
        model,
        distinct.slice(1).map((key) => ({ key, value: null })),
      );
      await verifyReads(model, distinct.slice(1));
      await step(model, [{ key: distinct[0]!, value: null }]);
      expect(bytesToHex(model.root)).to.equal(bytesToHex(KECCAK256_RLP));
    }
  });

  it("a batch that puts and deletes the same key, and overwrites it again, keeps the last update", async () => {
    const model = newModel(true);
    const k = Uint8Array.of(1, 2, 3);
    await step(model, [
      { key: k, value: Uint8Array.of(1) },
      { key: k, value: null },
      { key: k, value: Uint8Array.of(2) },
      { key: Uint8Array.of(4, 5, 6), value: Uint8Array.of(3) },
    ]);
    await verifyReads(model, []);
  });

  it("writes each node of the final trie once: fewer writes than ethereumjs' puts one by one", async () => {
    const random = generator(99);
    const reference = new MerklePatriciaTrie({ useKeyHashing: true });
    const refDb = (reference as unknown as { _db: { db: MapDB<string, Uint8Array> } })._db.db;
    let refWrites = 0;
    const put = refDb.put.bind(refDb);
    const batch = refDb.batch.bind(refDb);
    refDb.put = async (k, v) => {
      refWrites++;
      return put(k, v);
    };
    refDb.batch = async (ops) => {
      refWrites += ops.filter((o) => o.type === "put").length;
      return batch(ops);
    };
    const store = new MemoryStore();
    let root = KECCAK256_RLP;
    const keys = Array.from({ length: 4000 }, () => Uint8Array.from({ length: 20 }, () => random(256)));
    for (const k of keys) await reference.put(k, Uint8Array.from({ length: 70 }, () => random(256)));
    const initial = await applyTrieBatch(store, root, keys.map((k) => ({ key: hash(k), value: Uint8Array.from({ length: 70 }, () => 1) })), { hash });
    root = initial.root;
    refWrites = 0;
    const updates = keys.slice(0, 2000).map((k) => ({ key: k, value: Uint8Array.from({ length: 70 }, () => random(256)) }));
    for (const u of updates) await reference.put(u.key, u.value);
    const before = store.writes;
    await applyTrieBatch(store, root, updates.map((u) => ({ key: hash(u.key), value: u.value })), { hash });
    const ours = store.writes - before;
    expect(ours).to.be.lessThan(refWrites / 2);
  });

  it("reports a node missing from the store instead of building on a partial trie", async () => {
    const store = new MemoryStore();
    const { root } = await applyTrieBatch(store, KECCAK256_RLP, [1, 2, 3].map((i) => ({ key: hash(Uint8Array.of(i)), value: Uint8Array.from({ length: 40 }, () => i) })), { hash });
    const empty = new MemoryStore();
    let error: unknown;
    try {
      await applyTrieBatch(empty, root, [{ key: hash(Uint8Array.of(9)), value: Uint8Array.of(1) }], { hash });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(TrieError);
    expect((error as TrieError).code).to.equal("TRIE_NODE_MISSING");
  });

  it("reports a stored value that is not a trie node", async () => {
    const store = new MemoryStore();
    const root = hash(Uint8Array.of(0x81, 0x99));
    store.map.set(hexKey(root), Uint8Array.of(0x81, 0x99)); // RLP of a string, not of a list
    let error: unknown;
    try {
      await applyTrieBatch(store, root, [{ key: hash(Uint8Array.of(1)), value: Uint8Array.of(1) }], { hash });
    } catch (e) {
      error = e;
    }
    expect((error as TrieError).code).to.equal("TRIE_NODE_INVALID");
  });

  it("refuses keys of different lengths (a key that is a prefix of another would need branch values)", async () => {
    let error: unknown;
    try {
      await applyTrieBatch(new MemoryStore(), KECCAK256_RLP, [
        { key: Uint8Array.of(1, 2), value: Uint8Array.of(1) },
        { key: Uint8Array.of(1), value: Uint8Array.of(1) },
      ], { hash });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(TrieError);
    expect((error as TrieError).code).to.equal("TRIE_KEYS_UNEQUAL");
  });
});
