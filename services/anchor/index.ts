// Two-phase anchoring: product chain → main chain, main chain → Ethereum (docs/anchoring.md).
export * from "./errors";
export * from "./merkleTree";
export * from "./childBlocks";
export * from "./registry";
export * from "./runAnchor";
export * from "./verifyAnchoredBlock";
export * from "./deployRegistry";
