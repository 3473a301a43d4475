/**
 * Who off-chain follows which events — the one hand-written part of docs/abi.md. What an event means comes from the
 * contracts' NatSpec (`@notice`, or `@dev` of OpenZeppelin's), so only the audience lives here.
 */

/** The audiences named in the docs, with what each of them is in this repository. */
export const AUDIENCES: [string, string][] = [
  ["relayers", "the six bridge signers' processes (`services/relayer`, `bridge:relayer`), `bridge:status` and the devnet status line"],
  ["anchoring", "the anchorers of both phases (`services/anchor`, `anchor:run`) and `anchor:verify`"],
  ["governance", "governance tooling: `gov:*` tasks, emergency-council members, anyone watching proposals and the timelock"],
  ["validators", "validator operators' monitoring: stake, unbonding, jail, slashing, rewards"],
  ["chain operators", "product-chain developers and node owners (`chain:*` tasks)"],
  ["gas-free nodes", "the project's node on a gas-free chain (`node/`): it admits and orders transactions by `GasPolicy` and re-reads it when `version()` moves; its validators report abusers"],
  ["DApps", "DApp back ends and wallets: balances, issued tokens, templates, rewards"],
  ["indexer", "any indexer or block explorer of the chain (every event here is for it too)"],
];

/** Events OpenZeppelin's bases declare and many contracts inherit: listed once, in the shared table. */
export const SHARED_EVENTS: Record<string, string> = {
  Initialized: "indexer",
  Upgraded: "governance, indexer",
  RoleGranted: "governance, indexer",
  RoleRevoked: "governance, indexer",
  RoleAdminChanged: "governance, indexer",
  Paused: "relayers and anchoring (stop sending to a paused contract), governance, indexer",
  Unpaused: "relayers and anchoring (resume), governance, indexer",
  OwnershipTransferStarted: "DApps, indexer",
  OwnershipTransferred: "DApps, indexer",
  EIP712DomainChanged: "DApps (signers of permits and permissions), indexer",
};

/** The audience of a contract's events unless the event has its own entry below. */
export const CONTRACT_FOLLOWERS: Record<string, string> = {
  ValidatorSet: "validators, governance, indexer",
  Slashing: "validators, indexer",
  LuniverseGovernor: "governance, indexer",
  LuniverseTimelock: "governance (the council vetoes queued operations), indexer",
  EmergencyCouncil: "governance (council members approve actions), indexer",
  ProductChainRegistry: "chain operators, governance, indexer",
  NodeOwnerSync: "relayers (they confirm the main chain's node-owner swaps), validators, chain operators, indexer",
  MainBridge: "relayers, indexer",
  ProductBridge: "relayers, indexer",
  BridgeBase: "relayers, indexer",
  AnchorRegistry: "anchoring, indexer",
  GasPolicy: "gas-free nodes, DApps (sponsors and their admins), governance, indexer",
  IGasPolicy: "gas-free nodes, DApps (sponsors and their admins), governance, indexer",
  MainToken: "DApps, indexer",
  MainTokenFactory: "DApps, relayers (pairs are registered for issued tokens), indexer",
  ProductToken: "DApps, indexer",
  ProductTokenFactory: "DApps, relayers (pairs are registered for issued tokens), indexer",
  StakingToken: "validators, DApps, indexer",
  TemplateFactory: "DApps, indexer",
  RewardEngineFactory: "DApps, indexer",
  RewardEngine: "DApps (reward reporters and users), indexer",
  DexFactory: "DApps (pair discovery), indexer",
  DexPair: "DApps (prices, liquidity), indexer",
  DexListingRegistry: "DApps, governance (reviewers), indexer",
  WrappedNative: "DApps, indexer",
  TransferTemplate: "DApps, indexer",
  VestingTemplate: "DApps (beneficiaries, grantors), indexer",
  StakeTemplate: "DApps, indexer",
  BurnTemplate: "DApps, indexer",
};

/** Events whose audience differs from their contract's: `Contract.Event`. */
export const EVENT_FOLLOWERS: Record<string, string> = {
  "MainBridge.Deposited": "relayers (they confirm the mint on the product chain), indexer",
  "ProductChainRegistry.NodeOwnerSwapped": "relayers (they carry the swap to the product chain's NodeOwnerSync), chain operators, governance, indexer",
  "NodeOwnerSync.NodeOwnerSwapApplied": "validators, the node's operators (the set changes at the epoch boundary), chain operators, indexer",
  "ProductBridge.Redeemed": "relayers (they confirm the release on the main chain), indexer",
  "MainBridge.Confirmed": "relayers (progress to the threshold; `bridge:status`), indexer",
  "ProductBridge.Confirmed": "relayers (progress to the threshold; `bridge:status`), indexer",
  "MainBridge.Released": "relayers (`bridge:status`), DApps, indexer",
  "ProductBridge.Minted": "relayers (`bridge:status`), DApps, indexer",
  "MainBridge.OperationQueued": "relayers, governance (queued above the daily limit), indexer",
  "ProductBridge.OperationQueued": "relayers, governance (queued above the daily limit), indexer",
  "MainBridge.SignersChanged": "relayers (a new signer set), governance, indexer",
  "ProductBridge.SignersChanged": "relayers (a new signer set), governance, indexer",
  "AnchorRegistry.RangeAnchored": "anchoring (the next range starts after the last one; `anchor:verify`), indexer",
  "GasPolicy.AbuserReported": "gas-free nodes (reports so far of those needed), validators, indexer",
  "IGasPolicy.AbuserReported": "gas-free nodes (reports so far of those needed), validators, indexer",
  "GasPolicy.Blacklisted": "gas-free nodes (refuse the account's transactions until `until`), DApps, governance, indexer",
  "IGasPolicy.Blacklisted": "gas-free nodes (refuse the account's transactions until `until`), DApps, governance, indexer",
  "ValidatorSet.ValidatorAdded": "validators, the node's operators (the set changes at the epoch boundary), indexer",
  "ValidatorSet.ValidatorRemoved": "validators, the node's operators (the set changes at the epoch boundary), indexer",
  "LuniverseGovernor.ProposalCreated": "governance (`gov:vote`, `gov:execute` find proposals by it), indexer",
  "LuniverseTimelock.CallScheduled": "governance (the emergency council can veto until it is executed), indexer",
  "MainTokenFactory.MainTokenIssued": "DApps (`token:issue-main` reads the new token from it), relayers, indexer",
  "ProductTokenFactory.ProductTokenIssued": "DApps (`token:issue-product` reads the new token from it), relayers, indexer",
};

export const DEFAULT_FOLLOWERS = "indexer";

/**
 * What an event means, for events whose contract has no NatSpec on them (the contract's `@notice` wins when it has
 * one): `Contract.Event`, or `Event` for every contract that declares it.
 */
export const FALLBACK_NOTES: Record<string, string> = {
  OwnershipTransferStarted: "A two-step ownership transfer to `newOwner` started; it completes when `newOwner` accepts.",
  OwnershipTransferred: "The owner changed from `previousOwner` to `newOwner`.",
  // consensus
  "ValidatorSet.CandidateApproved": "Governance approved `validator` as a candidate; it joins the set once its stake reaches `minStake`.",
  "ValidatorSet.CandidateApprovalRevoked": "Governance withdrew `validator`'s approval as a candidate.",
  "ValidatorSet.Staked": "`from` staked `amount` for `validator`, whose stake is now `totalStake`.",
  "ValidatorSet.UnstakeRequested": "`validator` started unbonding `amount`; it can be withdrawn from block `releaseBlock` (slashable until then).",
  "ValidatorSet.Withdrawn": "`validator` withdrew `amount` of unbonded stake.",
  "ValidatorSet.Jailed": "`validator` was jailed until block `untilBlock` for `reason`: out of the set, cannot unstake or withdraw.",
  "ValidatorSet.Released": "`validator` was released from jail by `by` (itself with `unjail`, or governance).",
  "ValidatorSet.Slashed": "`amount` of `validator`'s stake was slashed for `reason`, to the treasury or the other validators (`destination`).",
  "ValidatorSet.RewardsCredited": "`amount` of rewards became claimable by `validator`.",
  "ValidatorSet.RewardsForfeited": "`validator` forfeited `amount` of unclaimed rewards (downtime misdemeanour).",
  "ValidatorSet.RewardsClaimed": "`validator` claimed `amount` of rewards.",
  "ValidatorSet.ParamsChanged": "Governance changed the validator-set parameters; a new epoch length counts from block `effectiveEpochLengthBlock`.",
  "ValidatorSet.SlashDestinationChanged": "Slashed stake now goes to the treasury (`treasury`) or is shared among the other validators.",
  "Slashing.OffenceReported": "`reporter` reported `offender` for `reason` at `blockNumber`: `reports` of the `required` reports so far.",
  "Slashing.OffencePunished": "Enough validators reported offence `offenceId`: `offender` was slashed `slashed` and jailed.",
  "Slashing.ReporterPenalized": "`reporter` exceeded the reports allowed per epoch and was slashed `slashed` instead.",
  "Slashing.DoubleSignPunished": "`submitter` proved that `validator` signed two block hashes at `blockNumber`; it was slashed `slashed` and jailed.",
  "Slashing.MissedProposal": "`validator` missed its proposal slot; `missed` in the current downtime window.",
  "Slashing.DowntimeMisdemeanor": "`validator` reached the misdemeanour threshold (`missed` misses) and forfeited `forfeited` of its rewards.",
  "Slashing.DowntimeFelony": "`validator` reached the felony threshold (`missed` misses): slashed `slashed` and jailed.",
  "Slashing.ParamsChanged": "Governance changed the slashing parameters.",
  // governance
  "LuniverseGovernor.ProposalThresholdSet": "The proposal threshold changed.",
  "LuniverseGovernor.VotingDelaySet": "The voting delay (blocks from proposal to vote) changed.",
  "LuniverseGovernor.VotingPeriodSet": "The voting period (blocks) changed.",
  "EmergencyCouncil.ActionSubmitted": "Council `member` submitted action `actionId` (pause a contract or veto a queued operation: `kind`, `subject`).",
  "EmergencyCouncil.ActionApproved": "Council `member` approved action `actionId`; `approvals` so far (three execute it).",
  "EmergencyCouncil.ActionExecuted": "Action `actionId` reached three approvals and was executed.",
  "EmergencyCouncil.MembersChanged": "Governance replaced the council's members (`membersVersion` counts the changes).",
  // chains
  "ProductChainRegistry.ChainRegistered": "A consortium partner registered product chain `chainId` with its developer, four node owners and shard group.",
  "ProductChainRegistry.ChainStatusChanged": "Governance changed product chain `chainId`'s status (active, suspended, retired).",
  "ProductChainRegistry.SwapVoted": "Node owner `voter` voted to replace `oldOwner` by `newOwner` on chain `chainId`; `votes` so far (three replace).",
  "ProductChainRegistry.NodeOwnerSwapped": "`oldOwner` was replaced by `newOwner` among chain `chainId`'s node owners.",
  // tokens
  "MainTokenFactory.MainTokenIssued": "`issuer` issued main token `token` (a beacon proxy) with `initialSupply` and `cap`.",
  "MainTokenFactory.MainTokenImplementationUpgraded": "Governance upgraded the beacon: every main token now runs `implementation`.",
  "ProductTokenFactory.MainTokenIssuerSet": "Governance recorded `issuer` as the consortium partner who permits product tokens of `mainToken`.",
  "ProductTokenFactory.ProductTokenIssued": "`productDeveloper` issued product token `token` of `mainToken` at `ratio`, with the consortium partner's permission.",
  // bridge
  "MainBridge.PairRegistered": "Governance registered pair `pairId`: `mainToken` here, `productToken` on chain `productChainId`, at `ratio`.",
  "ProductBridge.PairRegistered": "Governance registered pair `pairId`: `productToken` here, `mainToken` on chain `mainChainId`, at `ratio`.",
  PairEnabled: "Governance enabled or disabled pair `pairId`.",
  "MainBridge.Deposited": "`sender` locked `mainAmount` for `recipient`, who is to receive `productAmount` on chain `productChainId`; relayers confirm the mint of `depositId`.",
  "ProductBridge.Redeemed": "`sender` burned `productAmount` for `recipient`, who is to receive `mainAmount` on chain `mainChainId`; relayers confirm the release of `redeemId`.",
  "MainBridge.Released": "Redeem `redeemId` reached the threshold: `mainAmount` released to `recipient`.",
  "ProductBridge.Minted": "Deposit `depositId` reached the threshold: `productAmount` minted to `recipient`.",
  Confirmed: "Bridge `signer` confirmed operation `id` with data hash `dataHash`: `confirmations` of `threshold`.",
  OperationQueued: "Operation `id` reached the threshold but exceeds the pair's remaining daily limit: queued (UTC day `day`).",
  SignersChanged: "Governance set a new signer set (`signerSetVersion`) and threshold.",
  LimitsChanged: "Governance changed pair `pairId`'s per-transaction and daily limits.",
  // dex
  "DexFactory.SwapFeeChanged": "Governance changed the swap fee (basis points).",
  "DexFactory.FeeToChanged": "The protocol-fee recipient changed.",
  "DexFactory.ListingRegistryChanged": "The listing registry that gates pair creation changed.",
  "DexListingRegistry.ListingRequested": "`issuer` asked to list `token` with `auditor`'s report (`reportHash`, `reportURI`).",
  "DexListingRegistry.ListingApproved": "`reviewer` approved `token`'s listing.",
  "DexListingRegistry.ListingRejected": "`reviewer` rejected `token`'s listing request, for `reason`.",
  "DexListingRegistry.TokenDelisted": "`by` delisted `token` for `reason`.",
  Mint: "`sender` added liquidity: `amount0` and `amount1` of the pair's tokens.",
  Burn: "`sender` removed liquidity: `amount0` and `amount1` sent to `to`.",
  Swap: "A swap through the pair: amounts in and out of each token, output to `to`.",
  Sync: "The pair's reserves are now `reserve0`, `reserve1` (after every mint, burn and swap).",
  SwapFeeUpdated: "The pair's swap fee changed (basis points).",
  "WrappedNative.Deposit": "`account` wrapped `amount` of the native coin.",
  "WrappedNative.Withdrawal": "`account` unwrapped `amount` back to the native coin.",
};

export function fallbackNote(contract: string, event: string): string {
  return FALLBACK_NOTES[`${contract}.${event}`] ?? FALLBACK_NOTES[event] ?? "";
}

export function followersOf(contract: string, event: string): string {
  return EVENT_FOLLOWERS[`${contract}.${event}`] ?? CONTRACT_FOLLOWERS[contract] ?? DEFAULT_FOLLOWERS;
}
