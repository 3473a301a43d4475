// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IGasPolicy} from "../interfaces/IGasPolicy.sol";
import {IValidatorSet} from "../interfaces/IValidatorSet.sol";
import {SystemContract} from "../utils/SystemContract.sol";

/**
 * @title GasPolicy
 * @notice The gas policy of a gas-free product chain (gas price 0): what its nodes read before they admit a
 * transaction or put it in a block, and where its validators report abusers.
 *
 * - **Parameters** ({IGasPolicy-Params}): the usage window, the largest gas limit of one transaction, the default
 *   quota of gas an account may use per window, the share of a block unsponsored traffic may take, the thresholds of
 *   the nodes' abuse detector and how long a blacklisting by reports lasts. Governance sets them.
 * - **Sponsors**: DApps whose contracts (as called targets) and users' accounts (as senders) are paid for from a
 *   budget of gas per window. Governance registers and funds a sponsor; the sponsor's admin (or governance) manages
 *   its lists. An address is in at most one sponsor's list of each kind. An inactive sponsor's members count as
 *   unsponsored.
 * - **Quotas**: governance may give an account its own quota instead of the default.
 * - **Blacklist**: governance blacklists an account until a time (or removes it); and when more than 2/3 of the
 *   validators in force report an account for the same window, it is blacklisted for `reportBlacklistSeconds`.
 *
 * Usage is counted by the nodes from executed receipts, not here: this contract holds the rules, the nodes apply
 * them. {version} changes with every change of the policy so that a node knows when to re-read what it cached.
 */
contract GasPolicy is SystemContract, IGasPolicy {
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice Most addresses one call may add, remove, report or prune (keeps every call's gas bounded).
    uint256 public constant MAX_BATCH = 200;
    /// @notice Longest usage window governance may set, in seconds.
    uint64 public constant MAX_WINDOW_SECONDS = 30 days;
    /// @notice Smallest gas limit of a transaction (a plain transfer's intrinsic gas).
    uint64 public constant MIN_TX_GAS = 21_000;
    /// @notice The reason recorded when validators' reports blacklist an account.
    string public constant REPORTS_REASON = "abuse reports";

    /// @notice One sponsor as stored: the interface's {IGasPolicy-Sponsor} plus its two enumerable lists.
    struct SponsorData {
        string name;
        address admin;
        uint64 budgetPerWindow;
        bool active;
        EnumerableSet.AddressSet contracts;
        EnumerableSet.AddressSet accounts;
    }

    /// @notice An account's own quota, when governance gave it one.
    struct Quota {
        uint64 quota;
        bool isSet;
    }

    /// @notice The reports of one account for one window.
    struct Tally {
        uint256 reports;
        bool blacklisted; // this window's reports already blacklisted the account (never twice for one window)
        mapping(address reporter => bool) reported;
    }

    /// @custom:storage-location erc7201:luniverse.storage.GasPolicy
    struct GasPolicyStorage {
        IValidatorSet validatorSet;
        Params params;
        uint256 version;
        uint256 sponsorCount;
        mapping(uint256 id => SponsorData) sponsors;
        mapping(address target => uint256 id) contractSponsor;
        mapping(address account => uint256 id) accountSponsor;
        mapping(address account => Quota) quotas;
        mapping(address account => uint64 until) blacklistedUntil;
        EnumerableSet.AddressSet blacklist; // may hold expired entries until they are pruned
        // Tallies are keyed by the window length too, so that a change of `windowSeconds` (which renumbers the
        // windows) never adds reports made under the old numbering to those made under the new one.
        mapping(address account => mapping(uint64 windowSeconds => mapping(uint64 window => Tally))) tallies;
    }

    // keccak256(abi.encode(uint256(keccak256("luniverse.storage.GasPolicy")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x98dea51c191f4ffd78de97d34cf7d0c004c39d43275578c733f6cbb7ea56af00;

    /// @dev Parameter `what` is out of its range (see {IGasPolicy-Params} and {setParams}).
    error GasPolicyInvalidParams(string what);
    /// @dev A sponsor needs a name.
    error GasPolicyEmptyName();
    /// @dev No sponsor has number `id` (sponsors are numbered from 1).
    error GasPolicyUnknownSponsor(uint256 id);
    /// @dev `caller` is neither sponsor `id`'s admin nor governance.
    error GasPolicyNotSponsorAdmin(uint256 id, address caller);
    /// @dev A batch of `length` entries is longer than `max` ({MAX_BATCH}).
    error GasPolicyBatchTooLarge(uint256 length, uint256 max);
    /// @dev `account` is already in the list of that kind of sponsor `sponsorId`.
    error GasPolicyAlreadySponsored(address account, uint256 sponsorId);
    /// @dev `account` is not in the list of that kind of sponsor `id`.
    error GasPolicyNotSponsoredBy(address account, uint256 id);
    /// @dev A blacklisting must end in the future: `until` is not after `timestamp` (now).
    error GasPolicyInvalidExpiry(uint64 until, uint256 timestamp);
    /// @dev `account` is not blacklisted now (never, removed, or expired).
    error GasPolicyNotBlacklisted(address account);
    /// @dev `account` is blacklisted until `until` already: there is nothing to report.
    error GasPolicyAlreadyBlacklisted(address account, uint64 until);
    /// @dev `caller` is not a validator in force.
    error GasPolicyNotValidator(address caller);
    /// @dev Reports are for the current window `current` or the one before; `window` is neither.
    error GasPolicyReportWindowInvalid(uint64 window, uint64 current);
    /// @dev `reporter` already reported `account` for `window`.
    error GasPolicyDuplicateReport(address account, uint64 window, address reporter);
    /// @dev `accounts` and `reasons` have different lengths.
    error GasPolicyLengthMismatch(uint256 accounts, uint256 reasons);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Initialises with its admin (the governance timelock, or the deployer until hand-over), the validator
     * set whose validators report abusers, and the first parameters.
     * Requirements: `admin` and `validatorSet_` not zero; `p` valid (see {setParams}). Emits {ParamsSet}.
     */
    function initialize(address admin, address validatorSet_, Params calldata p) external initializer {
        __SystemContract_init(admin);
        if (validatorSet_ == address(0)) revert SystemContractZeroAddress("validatorSet");
        _storage().validatorSet = IValidatorSet(validatorSet_);
        _setParams(p);
    }

    // ---------------------------------------------------------------- modifiers

    /// @dev Sponsor `id` exists and the caller is its admin or governance.
    modifier onlySponsorAdmin(uint256 id) {
        SponsorData storage s = _sponsor(id);
        if (msg.sender != s.admin && !hasRole(GOVERNANCE_ROLE, msg.sender)) revert GasPolicyNotSponsorAdmin(id, msg.sender);
        _;
    }

    // ---------------------------------------------------------------- governance: parameters

    /**
     * @notice Sets the parameters.
     * Requirements: `GOVERNANCE_ROLE`; `windowSeconds` in 1 .. 30 days; `maxTxGas` >= 21,000;
     * `defaultAccountQuota` >= `maxTxGas`; `unsponsoredShareBps` in 1 .. 10,000; `reportBlacklistSeconds` >= 1
     * (else {GasPolicyInvalidParams} naming the field).
     * A new `windowSeconds` renumbers the windows: reports made under the old length are not counted with new ones.
     * Emits {ParamsSet}.
     */
    function setParams(Params calldata p) external onlyRole(GOVERNANCE_ROLE) {
        _setParams(p);
    }

    // ---------------------------------------------------------------- governance and sponsor admins: sponsors

    /**
     * @notice Registers an active sponsor with its admin and budget of gas per window.
     * Requirements: `GOVERNANCE_ROLE`; `name` not empty; `admin` not zero; `budgetPerWindow` not zero.
     * Emits {SponsorRegistered}.
     * @return id the new sponsor's number (from 1)
     */
    function registerSponsor(
        string calldata name,
        address admin,
        uint64 budgetPerWindow
    ) external onlyRole(GOVERNANCE_ROLE) returns (uint256 id) {
        if (bytes(name).length == 0) revert GasPolicyEmptyName();
        if (admin == address(0)) revert SystemContractZeroAddress("admin");
        if (budgetPerWindow == 0) revert GasPolicyInvalidParams("budgetPerWindow");
        GasPolicyStorage storage $ = _storage();
        id = ++$.sponsorCount;
        SponsorData storage s = $.sponsors[id];
        s.name = name;
        s.admin = admin;
        s.budgetPerWindow = budgetPerWindow;
        s.active = true;
        _bump();
        emit SponsorRegistered(id, name, admin, budgetPerWindow);
    }

    /**
     * @notice Sets sponsor `id`'s budget of gas per window ("funds" the DApp).
     * Requirements: `GOVERNANCE_ROLE`; sponsor `id` exists; `budgetPerWindow` not zero (deactivate a sponsor with
     * {setSponsorActive} instead). Emits {SponsorBudgetSet}.
     */
    function setSponsorBudget(uint256 id, uint64 budgetPerWindow) external onlyRole(GOVERNANCE_ROLE) {
        SponsorData storage s = _sponsor(id);
        if (budgetPerWindow == 0) revert GasPolicyInvalidParams("budgetPerWindow");
        s.budgetPerWindow = budgetPerWindow;
        _bump();
        emit SponsorBudgetSet(id, budgetPerWindow);
    }

    /**
     * @notice Activates or deactivates sponsor `id`. An inactive sponsor's contracts and accounts are treated as
     * unsponsored ({accountPolicy} reports sponsor 0) but stay in its lists.
     * Requirements: `GOVERNANCE_ROLE`; sponsor `id` exists. Emits {SponsorUpdated}.
     */
    function setSponsorActive(uint256 id, bool active) external onlyRole(GOVERNANCE_ROLE) {
        SponsorData storage s = _sponsor(id);
        s.active = active;
        _bump();
        emit SponsorUpdated(id, s.admin, active);
    }

    /**
     * @notice Hands sponsor `id` to a new admin.
     * Requirements: caller is the sponsor's admin or has `GOVERNANCE_ROLE`; sponsor `id` exists; `admin` not zero.
     * Emits {SponsorUpdated}.
     */
    function setSponsorAdmin(uint256 id, address admin) external onlySponsorAdmin(id) {
        if (admin == address(0)) revert SystemContractZeroAddress("admin");
        SponsorData storage s = _storage().sponsors[id];
        s.admin = admin;
        _bump();
        emit SponsorUpdated(id, admin, s.active);
    }

    /**
     * @notice Adds (`sponsored` true) or removes (false) contracts whose calls sponsor `id` pays for.
     * Requirements: not paused; sponsor `id` exists; caller is its admin or has `GOVERNANCE_ROLE`; at most
     * {MAX_BATCH} targets, none zero; an added target is in no sponsor's contract list yet; a removed target is in
     * this sponsor's. Emits {SponsoredContractSet} for each target.
     */
    function setSponsoredContracts(
        uint256 id,
        address[] calldata targets,
        bool sponsored
    ) external whenNotPaused onlySponsorAdmin(id) {
        GasPolicyStorage storage $ = _storage();
        _setMembers($.sponsors[id].contracts, $.contractSponsor, id, targets, sponsored, true);
    }

    /**
     * @notice Adds (`sponsored` true) or removes (false) accounts whose transactions sponsor `id` pays for.
     * Requirements: not paused; sponsor `id` exists; caller is its admin or has `GOVERNANCE_ROLE`; at most
     * {MAX_BATCH} accounts, none zero; an added account is in no sponsor's account list yet; a removed account is in
     * this sponsor's. Emits {SponsoredAccountSet} for each account.
     */
    function setSponsoredAccounts(
        uint256 id,
        address[] calldata accounts,
        bool sponsored
    ) external whenNotPaused onlySponsorAdmin(id) {
        GasPolicyStorage storage $ = _storage();
        _setMembers($.sponsors[id].accounts, $.accountSponsor, id, accounts, sponsored, false);
    }

    // ---------------------------------------------------------------- governance: quotas and blacklist

    /**
     * @notice Gives `account` its own quota of gas per window instead of the default.
     * Requirements: `GOVERNANCE_ROLE`; `account` not zero; `quota` >= `maxTxGas` (else
     * {GasPolicyInvalidParams}("quota")). Emits {AccountQuotaSet} with `isSet` true.
     */
    function setAccountQuota(address account, uint64 quota) external onlyRole(GOVERNANCE_ROLE) {
        if (account == address(0)) revert SystemContractZeroAddress("account");
        GasPolicyStorage storage $ = _storage();
        if (quota < $.params.maxTxGas) revert GasPolicyInvalidParams("quota");
        $.quotas[account] = Quota({quota: quota, isSet: true});
        _bump();
        emit AccountQuotaSet(account, quota, true);
    }

    /**
     * @notice Sends `account` back to the default quota.
     * Requirements: `GOVERNANCE_ROLE`. Emits {AccountQuotaSet} with quota 0 and `isSet` false.
     */
    function clearAccountQuota(address account) external onlyRole(GOVERNANCE_ROLE) {
        delete _storage().quotas[account];
        _bump();
        emit AccountQuotaSet(account, 0, false);
    }

    /**
     * @notice Blacklists `account` until `until` (replacing any blacklisting in force, longer or shorter).
     * Requirements: `GOVERNANCE_ROLE`; `account` not zero; `until` after now. Emits {Blacklisted} with `byReports`
     * false.
     */
    function blacklist(address account, uint64 until, string calldata reason) external onlyRole(GOVERNANCE_ROLE) {
        if (account == address(0)) revert SystemContractZeroAddress("account");
        if (until <= _now()) revert GasPolicyInvalidExpiry(until, _now());
        _blacklist(account, until, false, reason);
    }

    /**
     * @notice Lifts `account`'s blacklisting. Reports already made for the current windows do not blacklist it again.
     * Requirements: `GOVERNANCE_ROLE`; `account` blacklisted now. Emits {BlacklistRemoved}.
     */
    function removeFromBlacklist(address account) external onlyRole(GOVERNANCE_ROLE) {
        GasPolicyStorage storage $ = _storage();
        if ($.blacklistedUntil[account] <= _now()) revert GasPolicyNotBlacklisted(account);
        $.blacklistedUntil[account] = 0;
        $.blacklist.remove(account);
        _bump();
        emit BlacklistRemoved(account);
    }

    /**
     * @notice Drops the expired blacklist entries of `accounts` from the list {blacklistedAccounts} reads (their
     * `blacklistedUntil` stays, so nothing a node reads changes; {version} does not move). Anyone may call it; accounts
     * not listed or still in force are skipped.
     * Requirements: at most {MAX_BATCH} accounts.
     * @return pruned how many entries were dropped
     */
    function pruneBlacklist(address[] calldata accounts) external returns (uint256 pruned) {
        if (accounts.length > MAX_BATCH) revert GasPolicyBatchTooLarge(accounts.length, MAX_BATCH);
        GasPolicyStorage storage $ = _storage();
        uint64 now_ = _now();
        for (uint256 i = 0; i < accounts.length; ++i) {
            if ($.blacklistedUntil[accounts[i]] <= now_ && $.blacklist.remove(accounts[i])) ++pruned;
        }
    }

    // ---------------------------------------------------------------- validators: abuse reports

    /**
     * @notice Reports `account` as an abuser for `window`. When the reports for (`account`, `window`) reach
     * {reportThreshold} (more than 2/3 of the validators in force), the account is blacklisted for
     * `reportBlacklistSeconds` — once per window.
     * Requirements: not paused; caller a validator in force; `window` is {currentWindow} or the one before; the caller
     * has not reported `account` for `window`; `account` is not blacklisted now.
     * Emits {AbuserReported}, then {Blacklisted} (`byReports` true) at the threshold.
     */
    function reportAbuser(address account, uint64 window, AbuseReason reason) external whenNotPaused {
        uint256 needed = _checkReporter(window);
        GasPolicyStorage storage $ = _storage();
        Tally storage t = $.tallies[account][$.params.windowSeconds][window];
        if (t.reported[msg.sender]) revert GasPolicyDuplicateReport(account, window, msg.sender);
        uint64 until = $.blacklistedUntil[account];
        if (until > _now()) revert GasPolicyAlreadyBlacklisted(account, until);
        _record(account, window, reason, t, needed);
    }

    /**
     * @inheritdoc IGasPolicy
     * @dev The batch a validator's node sends: like {reportAbuser} for each entry, except that an account this
     * validator already reported for `window` (also earlier in the same batch) or blacklisted now is skipped, not
     * reverted on. Requirements: not paused; caller a validator in force; `window` is {currentWindow} or the one
     * before; at most {MAX_BATCH} entries; as many reasons as accounts. Emits {AbuserReported} for each recorded
     * report, and {Blacklisted} for each account that reaches the threshold.
     */
    function reportAbusers(
        address[] calldata accounts,
        uint64 window,
        AbuseReason[] calldata reasons
    ) external whenNotPaused {
        if (accounts.length != reasons.length) revert GasPolicyLengthMismatch(accounts.length, reasons.length);
        if (accounts.length > MAX_BATCH) revert GasPolicyBatchTooLarge(accounts.length, MAX_BATCH);
        uint256 needed = _checkReporter(window);
        GasPolicyStorage storage $ = _storage();
        uint64 windowSeconds = $.params.windowSeconds;
        uint64 now_ = _now();
        for (uint256 i = 0; i < accounts.length; ++i) {
            address account = accounts[i];
            Tally storage t = $.tallies[account][windowSeconds][window];
            if (t.reported[msg.sender] || $.blacklistedUntil[account] > now_) continue;
            _record(account, window, reasons[i], t, needed);
        }
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IGasPolicy
    function params() external view returns (Params memory) {
        return _storage().params;
    }

    /// @inheritdoc IGasPolicy
    function version() external view returns (uint256) {
        return _storage().version;
    }

    /// @inheritdoc IGasPolicy
    function currentWindow() public view returns (uint64) {
        return _now() / _storage().params.windowSeconds; // windowSeconds >= 1 (checked by setParams)
    }

    /// @notice The validator set whose validators in force may report abusers.
    function validatorSet() external view returns (address) {
        return address(_storage().validatorSet);
    }

    /// @notice Reports needed now to blacklist an account: the smallest count above 2/3 of the validators in force.
    function reportThreshold() public view returns (uint256) {
        return (_storage().validatorSet.validatorCountAt(block.number) * 2) / 3 + 1;
    }

    /// @inheritdoc IGasPolicy
    function accountPolicy(address account) external view returns (AccountPolicy memory policy) {
        GasPolicyStorage storage $ = _storage();
        policy.senderSponsor = _ifActive($.accountSponsor[account]);
        policy.contractSponsor = _ifActive($.contractSponsor[account]);
        Quota storage q = $.quotas[account];
        policy.quota = q.isSet ? q.quota : $.params.defaultAccountQuota;
        policy.blacklistedUntil = $.blacklistedUntil[account];
    }

    /// @inheritdoc IGasPolicy
    function isBlacklisted(address account) external view returns (bool) {
        return _storage().blacklistedUntil[account] > _now();
    }

    /**
     * @notice The accounts blacklisted now and until when (entries that expired are left out).
     * @return accounts the accounts, in no particular order
     * @return untils each account's end of blacklisting
     */
    function blacklistedAccounts() external view returns (address[] memory accounts, uint64[] memory untils) {
        GasPolicyStorage storage $ = _storage();
        uint64 now_ = _now();
        uint256 n = $.blacklist.length();
        accounts = new address[](n);
        untils = new uint64[](n);
        uint256 count = 0;
        for (uint256 i = 0; i < n; ++i) {
            address a = $.blacklist.at(i);
            uint64 until = $.blacklistedUntil[a];
            if (until <= now_) continue;
            accounts[count] = a;
            untils[count] = until;
            ++count;
        }
        // Shrink both arrays to the entries in force (count <= n).
        // solhint-disable-next-line no-inline-assembly
        assembly {
            mstore(accounts, count)
            mstore(untils, count)
        }
    }

    /// @inheritdoc IGasPolicy
    function sponsorCount() external view returns (uint256) {
        return _storage().sponsorCount;
    }

    /// @inheritdoc IGasPolicy
    function sponsor(uint256 id) external view returns (Sponsor memory) {
        SponsorData storage s = _sponsor(id);
        return
            Sponsor({
                name: s.name,
                admin: s.admin,
                budgetPerWindow: s.budgetPerWindow,
                active: s.active,
                contracts: SafeCast.toUint32(s.contracts.length()),
                accounts: SafeCast.toUint32(s.accounts.length())
            });
    }

    /// @notice The contracts sponsor `id` pays for. Requirements: sponsor `id` exists.
    function sponsoredContracts(uint256 id) external view returns (address[] memory) {
        return _sponsor(id).contracts.values();
    }

    /// @notice The accounts sponsor `id` pays for. Requirements: sponsor `id` exists.
    function sponsoredAccounts(uint256 id) external view returns (address[] memory) {
        return _sponsor(id).accounts.values();
    }

    /// @notice The sponsor whose contract list holds `target`, active or not (0: none).
    function sponsorOfContract(address target) external view returns (uint256) {
        return _storage().contractSponsor[target];
    }

    /// @notice The sponsor whose account list holds `account`, active or not (0: none).
    function sponsorOfAccount(address account) external view returns (uint256) {
        return _storage().accountSponsor[account];
    }

    /// @notice How many validators reported `account` for `window` (under the current window length).
    function reportsOf(address account, uint64 window) external view returns (uint256) {
        GasPolicyStorage storage $ = _storage();
        return $.tallies[account][$.params.windowSeconds][window].reports;
    }

    /// @notice Whether `reporter` reported `account` for `window` (under the current window length).
    function hasReported(address account, uint64 window, address reporter) external view returns (bool) {
        GasPolicyStorage storage $ = _storage();
        return $.tallies[account][$.params.windowSeconds][window].reported[reporter];
    }

    // ---------------------------------------------------------------- internals

    function _storage() private pure returns (GasPolicyStorage storage $) {
        // ERC-7201 namespaced storage: the only way to point a storage struct at a fixed slot.
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }

    /// @dev The block's timestamp. Windows and blacklistings are hours to days long: the few seconds a proposer may
    /// shift a timestamp do not matter.
    function _now() private view returns (uint64) {
        // solhint-disable-next-line not-rely-on-time
        return uint64(block.timestamp); // fits until the year 584,942,417,355
    }

    /// @dev Every change of the policy moves the version a node caches against.
    function _bump() private {
        ++_storage().version;
    }

    function _sponsor(uint256 id) private view returns (SponsorData storage s) {
        GasPolicyStorage storage $ = _storage();
        if (id == 0 || id > $.sponsorCount) revert GasPolicyUnknownSponsor(id);
        return $.sponsors[id];
    }

    function _ifActive(uint256 id) private view returns (uint256) {
        return id != 0 && _storage().sponsors[id].active ? id : 0;
    }

    function _setParams(Params calldata p) private {
        if (p.windowSeconds == 0 || p.windowSeconds > MAX_WINDOW_SECONDS) revert GasPolicyInvalidParams("windowSeconds");
        if (p.maxTxGas < MIN_TX_GAS) revert GasPolicyInvalidParams("maxTxGas");
        if (p.defaultAccountQuota < p.maxTxGas) revert GasPolicyInvalidParams("defaultAccountQuota");
        if (p.unsponsoredShareBps == 0 || p.unsponsoredShareBps > 10_000) revert GasPolicyInvalidParams("unsponsoredShareBps");
        if (p.reportBlacklistSeconds == 0) revert GasPolicyInvalidParams("reportBlacklistSeconds");
        _storage().params = p;
        _bump();
        emit ParamsSet(p);
    }

    /// @dev Adds `list` members to (or removes them from) sponsor `id`'s set of one kind and the owner map of that kind.
    function _setMembers(
        EnumerableSet.AddressSet storage set,
        mapping(address => uint256) storage sponsorOf,
        uint256 id,
        address[] calldata list,
        bool sponsored,
        bool isContract
    ) private {
        if (list.length > MAX_BATCH) revert GasPolicyBatchTooLarge(list.length, MAX_BATCH);
        for (uint256 i = 0; i < list.length; ++i) {
            address a = list[i];
            if (sponsored) {
                if (a == address(0)) revert SystemContractZeroAddress(isContract ? "target" : "account");
                uint256 owner = sponsorOf[a];
                if (owner != 0) revert GasPolicyAlreadySponsored(a, owner);
                sponsorOf[a] = id;
                set.add(a);
            } else {
                if (sponsorOf[a] != id) revert GasPolicyNotSponsoredBy(a, id);
                delete sponsorOf[a];
                set.remove(a);
            }
            if (isContract) emit SponsoredContractSet(id, a, sponsored);
            else emit SponsoredAccountSet(id, a, sponsored);
        }
        if (list.length > 0) _bump();
    }

    /// @dev The checks every report shares; returns the reports needed to blacklist (views of the validator set only).
    function _checkReporter(uint64 window) private view returns (uint256 needed) {
        if (!_storage().validatorSet.isActiveValidator(msg.sender)) revert GasPolicyNotValidator(msg.sender);
        uint64 current = currentWindow();
        // `window > current` first, so `window + 1` cannot overflow
        if (window > current || window + 1 < current) revert GasPolicyReportWindowInvalid(window, current);
        return reportThreshold();
    }

    /// @dev Records the caller's report of `account` and blacklists it when the window's reports reach `needed`.
    function _record(address account, uint64 window, AbuseReason reason, Tally storage t, uint256 needed) private {
        t.reported[msg.sender] = true;
        uint256 reports = ++t.reports;
        _bump();
        emit AbuserReported(account, window, msg.sender, reason, reports, needed);
        if (reports >= needed && !t.blacklisted) {
            t.blacklisted = true;
            // in uint256 and capped, so that a huge `reportBlacklistSeconds` blacklists "forever" instead of reverting
            uint256 until = uint256(_now()) + _storage().params.reportBlacklistSeconds;
            _blacklist(account, until > type(uint64).max ? type(uint64).max : uint64(until), true, REPORTS_REASON);
        }
    }

    function _blacklist(address account, uint64 until, bool byReports, string memory reason) private {
        GasPolicyStorage storage $ = _storage();
        $.blacklistedUntil[account] = until;
        $.blacklist.add(account);
        _bump();
        emit Blacklisted(account, until, byReports, reason);
    }
}
