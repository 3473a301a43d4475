// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SystemContract} from "../utils/SystemContract.sol";
import {IDexListingRegistry} from "./interfaces/IDexListingRegistry.sol";
import {IDexIssued} from "./interfaces/IDexIssued.sol";
import {IDexOwned} from "./interfaces/IDexOwned.sol";

/**
 * @title DexListingRegistry
 * @notice Which tokens may trade on the DEX. A token's issuer requests a listing with evidence of review
 * (the hash of the audit report, the auditor and where the report is published); a reviewer appointed by
 * governance (`REVIEWER_ROLE`, administered by `GOVERNANCE_ROLE`) approves or rejects it. Reviewers or
 * governance delist a listed token; a delisted or rejected token may apply again with new evidence.
 * Governance may also list a token directly (the wrapped native coin at deployment).
 *
 * The factory creates pairs only for listed tokens, and pairs refuse new liquidity once a token is delisted;
 * removing liquidity and swapping are never blocked by the registry (see docs/dex.md).
 *
 * Minimum review criteria enforced here: the token is a contract; the request carries a report hash and an
 * auditor; when the token names its issuer (`issuer()`, else `owner()`), only that account may request;
 * the reviewer deciding is neither the issuer nor the auditor of the report.
 */
contract DexListingRegistry is SystemContract, IDexListingRegistry {
    /// @notice Role of the reviewers who approve, reject and delist; granted and revoked by governance.
    bytes32 public constant REVIEWER_ROLE = keccak256("REVIEWER_ROLE");
    /// @notice Longest accepted report URI or reason, in bytes.
    uint256 public constant MAX_TEXT_LENGTH = 256;

    enum Status {
        None,
        Pending,
        Listed,
        Rejected,
        Delisted
    }

    struct Listing {
        address issuer; // who requested (governance for a direct listing)
        Status status;
        uint64 updatedAt; // block timestamp of the last change
        address auditor; // who produced the report
        address reviewer; // who decided (approve, reject, delist)
        bytes32 reportHash; // hash of the audit report (e.g. keccak256 of the scanner's JSON report)
        string reportURI; // where the report can be read
    }

    /// @custom:storage-location erc7201:luniverse.storage.DexListingRegistry
    struct DexListingRegistryStorage {
        mapping(address token => Listing) listings;
        address[] tokens;
    }

    // keccak256(abi.encode(uint256(keccak256("luniverse.storage.DexListingRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xdd82cb48715a427ae26eb9e730395e92e52d11a9b3145dcb1fbbc42c4f1ee200;

    event ListingRequested(
        address indexed token,
        address indexed issuer,
        address indexed auditor,
        bytes32 reportHash,
        string reportURI
    );
    event ListingApproved(address indexed token, address indexed reviewer, bytes32 reportHash);
    event ListingRejected(address indexed token, address indexed reviewer, string reason);
    event TokenDelisted(address indexed token, address indexed by, string reason);

    /// @dev `token` has no code.
    error DexListingNotAContract(address token);
    /// @dev The request carries no report hash.
    error DexListingMissingReport(address token);
    /// @dev The token names `issuer` and the caller is someone else.
    error DexListingNotIssuer(address token, address caller, address issuer);
    /// @dev The action needs another status (e.g. approving a token that is not pending).
    error DexListingInvalidStatus(address token, Status status);
    /// @dev The reviewer is the token's issuer or the report's auditor.
    error DexListingConflictOfInterest(address token, address reviewer);
    /// @dev A report URI or reason longer than `MAX_TEXT_LENGTH` bytes.
    error DexListingTextTooLong(uint256 length, uint256 max);
    /// @dev Delisting by someone who is neither a reviewer nor governance.
    error DexListingUnauthorized(address caller);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialises with its admin (the governance timelock, or the deployer until handover).
    function initialize(address admin) external initializer {
        __SystemContract_init(admin);
        _setRoleAdmin(REVIEWER_ROLE, GOVERNANCE_ROLE);
    }

    /**
     * @notice Requests the listing of `token` as its issuer, with evidence of review.
     * Requirements: not paused; `token` is a contract; `reportHash` not zero; `auditor` not zero;
     * `reportURI` at most 256 bytes; the token is not pending or listed; when the token names an issuer
     * (`issuer()`, else `owner()`), the caller is that account.
     * Emits {ListingRequested}.
     */
    function requestListing(
        address token,
        bytes32 reportHash,
        address auditor,
        string calldata reportURI
    ) external whenNotPaused {
        if (token.code.length == 0) revert DexListingNotAContract(token);
        if (reportHash == bytes32(0)) revert DexListingMissingReport(token);
        if (auditor == address(0)) revert SystemContractZeroAddress("auditor");
        _checkText(bytes(reportURI).length);
        DexListingRegistryStorage storage $ = _storage();
        Listing storage entry = $.listings[token];
        Status status = entry.status;
        if (status == Status.Pending || status == Status.Listed) revert DexListingInvalidStatus(token, status);
        address declared = declaredIssuer(token);
        if (declared != address(0) && declared != msg.sender) revert DexListingNotIssuer(token, msg.sender, declared);

        if (status == Status.None) $.tokens.push(token);
        entry.issuer = msg.sender;
        entry.status = Status.Pending;
        // solhint-disable-next-line not-rely-on-time
        entry.updatedAt = uint64(block.timestamp);
        entry.auditor = auditor;
        entry.reviewer = address(0);
        entry.reportHash = reportHash;
        entry.reportURI = reportURI;
        emit ListingRequested(token, msg.sender, auditor, reportHash, reportURI);
    }

    /**
     * @notice Approves a pending request: the token becomes listed.
     * Requirements: not paused; caller has `REVIEWER_ROLE`; the token is pending; the caller is neither its
     * issuer nor its auditor.
     * Emits {ListingApproved}.
     */
    function approveListing(address token) external whenNotPaused onlyRole(REVIEWER_ROLE) {
        Listing storage entry = _decide(token);
        entry.status = Status.Listed;
        emit ListingApproved(token, msg.sender, entry.reportHash);
    }

    /**
     * @notice Rejects a pending request; the issuer may request again with new evidence.
     * Requirements: not paused; caller has `REVIEWER_ROLE`; the token is pending; the caller is neither its
     * issuer nor its auditor; `reason` at most 256 bytes.
     * Emits {ListingRejected}.
     */
    function rejectListing(address token, string calldata reason) external whenNotPaused onlyRole(REVIEWER_ROLE) {
        _checkText(bytes(reason).length);
        Listing storage entry = _decide(token);
        entry.status = Status.Rejected;
        emit ListingRejected(token, msg.sender, reason);
    }

    /**
     * @notice Delists a listed token: no new pair and no new liquidity for it; existing liquidity can still be
     * removed and swapped out. Works while paused (delisting is an emergency measure).
     * Requirements: caller has `REVIEWER_ROLE` or `GOVERNANCE_ROLE`; the token is listed; `reason` at most
     * 256 bytes.
     * Emits {TokenDelisted}.
     */
    function delist(address token, string calldata reason) external {
        if (!hasRole(REVIEWER_ROLE, msg.sender) && !hasRole(GOVERNANCE_ROLE, msg.sender)) {
            revert DexListingUnauthorized(msg.sender);
        }
        _checkText(bytes(reason).length);
        Listing storage entry = _storage().listings[token];
        if (entry.status != Status.Listed) revert DexListingInvalidStatus(token, entry.status);
        entry.status = Status.Delisted;
        entry.reviewer = msg.sender;
        // solhint-disable-next-line not-rely-on-time
        entry.updatedAt = uint64(block.timestamp);
        emit TokenDelisted(token, msg.sender, reason);
    }

    /**
     * @notice Lists a token by governance decision, without a review request (e.g. the wrapped native coin).
     * Requirements: caller has `GOVERNANCE_ROLE`; `token` is a contract; `reportHash` not zero; the token is
     * not listed.
     * Emits {ListingApproved} with the caller as reviewer.
     */
    function governanceList(address token, bytes32 reportHash) external onlyRole(GOVERNANCE_ROLE) {
        if (token.code.length == 0) revert DexListingNotAContract(token);
        if (reportHash == bytes32(0)) revert DexListingMissingReport(token);
        DexListingRegistryStorage storage $ = _storage();
        Listing storage entry = $.listings[token];
        if (entry.status == Status.Listed) revert DexListingInvalidStatus(token, entry.status);
        if (entry.status == Status.None) $.tokens.push(token);
        entry.issuer = msg.sender;
        entry.status = Status.Listed;
        // solhint-disable-next-line not-rely-on-time
        entry.updatedAt = uint64(block.timestamp);
        entry.auditor = address(0);
        entry.reviewer = msg.sender;
        entry.reportHash = reportHash;
        entry.reportURI = "";
        emit ListingApproved(token, msg.sender, reportHash);
    }

    /// @inheritdoc IDexListingRegistry
    function isListed(address token) external view returns (bool) {
        return _storage().listings[token].status == Status.Listed;
    }

    /// @notice The listing record of `token` (status `None` when it never applied).
    function getListing(address token) external view returns (Listing memory) {
        return _storage().listings[token];
    }

    /// @notice Number of tokens that ever applied or were listed.
    function tokenCount() external view returns (uint256) {
        return _storage().tokens.length;
    }

    /// @notice The `index`-th token that applied or was listed (for explorers).
    function tokenAt(uint256 index) external view returns (address) {
        return _storage().tokens[index];
    }

    /**
     * @notice The issuer a token names for itself: `issuer()` if it answers with a non-zero address, else
     * `owner()`, else zero (anyone may then request, and reviewers judge the issuer's claim). A token whose
     * fallback answers these calls with malformed data makes this revert: such a token cannot be requested.
     */
    function declaredIssuer(address token) public view returns (address declared) {
        try IDexIssued(token).issuer() returns (address a) {
            declared = a;
        } catch {
            declared = address(0);
        }
        if (declared != address(0)) return declared;
        try IDexOwned(token).owner() returns (address a) {
            declared = a;
        } catch {
            declared = address(0);
        }
    }

    function _decide(address token) private returns (Listing storage entry) {
        entry = _storage().listings[token];
        if (entry.status != Status.Pending) revert DexListingInvalidStatus(token, entry.status);
        if (msg.sender == entry.issuer || msg.sender == entry.auditor) revert DexListingConflictOfInterest(token, msg.sender);
        entry.reviewer = msg.sender;
        // solhint-disable-next-line not-rely-on-time
        entry.updatedAt = uint64(block.timestamp);
    }

    function _checkText(uint256 length) private pure {
        if (length > MAX_TEXT_LENGTH) revert DexListingTextTooLong(length, MAX_TEXT_LENGTH);
    }

    function _storage() private pure returns (DexListingRegistryStorage storage $) {
        // ERC-7201 namespaced storage: the only way to point a storage struct at a fixed slot.
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
