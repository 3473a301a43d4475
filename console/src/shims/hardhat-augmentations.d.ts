// The console's typecheck follows ops/ → deploy/context.ts → deploy/hardhat.ts (types only; the bundle swaps
// deploy/context for src/shims/deployContext.ts). That file uses Hardhat's runtime as the plugins extend it: load
// their type augmentations here, as hardhat.config.ts does for the root project.
import "@nomicfoundation/hardhat-ethers";
import "@openzeppelin/hardhat-upgrades";
