/** Hints printed with a decoded revert of the gas policy (`GasPolicy`). */
export const GAS_POLICY_HINTS: Record<string, string> = {
  GasPolicyDuplicateReport: "this validator already reported the account for that window; its report counts once",
  GasPolicyNotValidator: "only a validator in force can report abusers (pass its account with --from)",
  GasPolicyReportWindowInvalid: "report for the current window or the previous one (gas:status shows the current window)",
  GasPolicyAlreadyBlacklisted: "the account is blacklisted already (gas:blacklist --action list)",
  GasPolicyUnknownSponsor: "sponsors are numbered from 1 to the policy's sponsorCount (gas:status shows it)",
  GasPolicyNotSponsorAdmin: "only the sponsor's admin (or governance) manages it: pass the admin's account with --from",
  GasPolicyAlreadySponsored: "the address belongs to a sponsor already (the second value); that sponsor's admin must remove it first",
  GasPolicyNotSponsoredBy: "the address is not a member of this sponsor",
  GasPolicyBatchTooLarge: "send fewer addresses at once (at most the second value)",
  GasPolicyInvalidExpiry: "the end of the blacklisting must be after the chain's current time (the second value)",
  GasPolicyNotBlacklisted: "the account is not blacklisted now (gas:blacklist --action list)",
  GasPolicyInvalidParams:
    "see IGasPolicy.Params: windowSeconds 1 s .. 30 days, maxTxGas >= 21000, defaultAccountQuota and any account's quota >= maxTxGas, unsponsoredShareBps 1 .. 10000, reportBlacklistSeconds >= 1",
  GasPolicyEmptyName: "give the sponsor a name",
  SystemContractZeroAddress: "give a non-zero address",
  AccessControlUnauthorizedAccount: "the account does not govern the gas policy: the timelock does, through a proposal (gas:* tasks propose when --from does not govern)",
  EnforcedPause: "the gas policy is paused by the council or governance",
};
