/** The development mnemonic (Hardhat's own): public, for local networks only — never for value. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";
