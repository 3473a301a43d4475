// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title IGasPolicy
 * @notice What a gas-free chain's node reads from its gas policy (contracts/gas/GasPolicy.sol) before it admits a
 * transaction or puts it in a block, and what its validators call to report abusers.
 *
 * Usage is counted by the nodes from executed receipts (gas actually used), per window: window `w` covers the blocks
 * whose timestamp `t` has `t / windowSeconds == w`; it resets at `(w + 1) * windowSeconds`.
 */
interface IGasPolicy {
    /// @notice The policy's parameters (set by governance; `setParams` checks them).
    struct Params {
        /// Length of a usage window in seconds (1 .. 30 days).
        uint64 windowSeconds;
        /// Highest gas limit one transaction may have (>= 21,000).
        uint64 maxTxGas;
        /// Gas per window an account may use unless governance set its own quota (>= maxTxGas).
        uint64 defaultAccountQuota;
        /// Share of each block's gas limit that all unsponsored transactions may take together, in basis points (1 .. 10,000).
        uint16 unsponsoredShareBps;
        /// Executed gas in one window past which a node reports the account (0: not a criterion).
        uint64 abuseGasPerWindow;
        /// Reverted transactions in one window past which a node reports the account (0: not a criterion).
        uint32 abuseRevertsPerWindow;
        /// Refused submissions in one window past which a node throttles and reports the account (0: not a criterion).
        uint32 abuseRejectionsPerWindow;
        /// How long a blacklisting by abuser reports lasts, in seconds (>= 1).
        uint64 reportBlacklistSeconds;
    }

    /// @notice A DApp whose contracts and/or users' accounts have their gas paid from a budget per window.
    struct Sponsor {
        string name;
        /// Manages the sponsor's contracts and accounts (besides governance).
        address admin;
        /// Gas per window all of the sponsor's traffic may use together.
        uint64 budgetPerWindow;
        bool active;
        uint32 contracts;
        uint32 accounts;
    }

    /// @notice Everything the node needs to know about one address, as sender or as target.
    struct AccountPolicy {
        /// Sponsor of the account as a sender (0: none or inactive).
        uint256 senderSponsor;
        /// Sponsor of the address as a called contract (0: none or inactive).
        uint256 contractSponsor;
        /// Gas per window the account may use as a sender (its own quota, or the default).
        uint64 quota;
        /// Blacklisted until this timestamp (0: never blacklisted, or removed; in the past: expired).
        uint64 blacklistedUntil;
    }

    /// @notice Why a validator reports an account (the node's detector; informational on chain).
    enum AbuseReason {
        ExecutedGas,
        Reverts,
        Rejections
    }

    /// @notice Governance changed the parameters.
    event ParamsSet(Params params);
    /// @notice Governance registered sponsor `id`.
    event SponsorRegistered(uint256 indexed id, string name, address indexed admin, uint64 budgetPerWindow);
    /// @notice Governance set sponsor `id`'s budget per window.
    event SponsorBudgetSet(uint256 indexed id, uint64 budgetPerWindow);
    /// @notice Governance (or the sponsor's admin, for the admin) changed sponsor `id`'s admin or active flag.
    event SponsorUpdated(uint256 indexed id, address indexed admin, bool active);
    /// @notice `target` (a contract) was added to (`sponsored`) or removed from sponsor `id`.
    event SponsoredContractSet(uint256 indexed id, address indexed target, bool sponsored);
    /// @notice `account` (a sender) was added to (`sponsored`) or removed from sponsor `id`.
    event SponsoredAccountSet(uint256 indexed id, address indexed account, bool sponsored);
    /// @notice Governance gave `account` its own quota (`isSet`) or sent it back to the default.
    event AccountQuotaSet(address indexed account, uint64 quota, bool isSet);
    /// @notice `account` is blacklisted until `until`; `byReports`: by validators' reports, else by governance.
    event Blacklisted(address indexed account, uint64 until, bool byReports, string reason);
    /// @notice Governance removed `account` from the blacklist.
    event BlacklistRemoved(address indexed account);
    /// @notice Validator `reporter` reported `account` for `window`; `reports` so far, of `needed`.
    event AbuserReported(
        address indexed account,
        uint64 indexed window,
        address indexed reporter,
        AbuseReason reason,
        uint256 reports,
        uint256 needed
    );

    /// @notice The parameters in force.
    function params() external view returns (Params memory);

    /// @notice Bumped by every change of the policy's state (parameters, sponsors, quotas, blacklist, reports): a node
    /// re-reads what it cached when it changes.
    function version() external view returns (uint256);

    /// @notice The window the current block is in.
    function currentWindow() external view returns (uint64);

    /// @notice The policy of `account` as a sender and as a target.
    function accountPolicy(address account) external view returns (AccountPolicy memory);

    /// @notice Whether `account` is blacklisted now.
    function isBlacklisted(address account) external view returns (bool);

    /// @notice Sponsors are numbered from 1; how many were registered.
    function sponsorCount() external view returns (uint256);

    /// @notice Sponsor `id` (reverts for an unknown id).
    function sponsor(uint256 id) external view returns (Sponsor memory);

    /// @notice Reports `accounts` as abusers for `window` (the current or the previous one) — one entry per account,
    /// skipping accounts this validator already reported for that window or that are blacklisted. An account reported
    /// by more than 2/3 of the validators in force is blacklisted for `reportBlacklistSeconds`. Caller: a validator.
    function reportAbusers(address[] calldata accounts, uint64 window, AbuseReason[] calldata reasons) external;
}
