// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SystemContract} from "../utils/SystemContract.sol";
import {IValidatorSet} from "../interfaces/IValidatorSet.sol";

/**
 * @title Slashing
 * @notice Punishes validators by three roads:
 * 1. **Reports:** validators report one another for an offence (block number + reason); once more than
 *    2/3 of the validators in force (not counting the offender) have reported the same offence, the offender
 *    is slashed and jailed.
 *    Reports on future or too-old blocks and repeats are rejected (as POSDAO's `reportMalicious`); a
 *    validator that files more reports per epoch than allowed is itself slashed for spam.
 * 2. **Double-sign evidence:** anyone submits two different block hashes at one height signed by the same
 *    validator over `keccak256(abi.encode(chainId, blockNumber, blockHash))`, the digest the node signs
 *    for its commits; proven equivocation is slashed and jailed at once.
 * 3. **Downtime:** the node, as `SYSTEM_ADDRESS`, records each missed proposal; at `misdemeanorThreshold`
 *    misses the validator forfeits its rewards, at `felonyThreshold` it is slashed and jailed (as BSC).
 */
contract Slashing is SystemContract {
    /// @notice Reason recorded for a double-sign slash.
    bytes32 public constant REASON_DOUBLE_SIGN = "double-sign";
    /// @notice Reason recorded for a downtime slash.
    bytes32 public constant REASON_DOWNTIME = "downtime";
    /// @notice Reason recorded when a reporter is penalised for spam.
    bytes32 public constant REASON_REPORT_SPAM = "report-spam";

    struct Params {
        uint256 reportSlashBps; // slashed when > 2/3 report an offence
        uint256 doubleSignSlashBps; // slashed on proven equivocation
        uint256 downtimeSlashBps; // slashed at the felony threshold
        uint256 spamSlashBps; // slashed from a reporter over its report quota
        uint256 maxReportAge; // blocks: reports on older blocks are rejected
        uint256 maxReportsPerEpoch; // per reporter
        uint256 misdemeanorThreshold; // missed proposals: lose rewards
        uint256 felonyThreshold; // missed proposals: slash + jail
        uint256 downtimeWindow; // blocks without a miss after which the miss counter restarts
    }

    struct Offence {
        address offender;
        bool punished;
        uint256 blockNumber;
        bytes32 reason;
        uint256 reports;
    }

    struct Downtime {
        uint256 missed;
        uint256 lastMissBlock;
    }

    /// @custom:storage-location erc7201:luniverse.storage.Slashing
    struct SlashingStorage {
        IValidatorSet validatorSet;
        Params params;
        mapping(bytes32 offenceId => Offence) offences;
        mapping(bytes32 offenceId => mapping(address reporter => bool)) reported;
        mapping(address reporter => mapping(uint256 epoch => uint256)) reportsInEpoch;
        mapping(address validator => mapping(uint256 blockNumber => bool)) doubleSignPunished;
        mapping(address validator => Downtime) downtime;
    }

    // keccak256(abi.encode(uint256(keccak256("luniverse.storage.Slashing")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xdd7a46522b078b1350ff1c391a4c715569a96b2e56163e03fd39fa31591cd900;

    event OffenceReported(
        bytes32 indexed offenceId,
        address indexed reporter,
        address indexed offender,
        uint256 blockNumber,
        bytes32 reason,
        uint256 reports,
        uint256 required
    );
    event OffencePunished(bytes32 indexed offenceId, address indexed offender, uint256 slashed);
    event ReporterPenalized(address indexed reporter, uint256 epoch, uint256 reportsInEpoch, uint256 slashed);
    event DoubleSignPunished(
        address indexed validator,
        uint256 indexed blockNumber,
        bytes32 hashA,
        bytes32 hashB,
        address indexed submitter,
        uint256 slashed
    );
    event MissedProposal(address indexed validator, uint256 missed);
    event DowntimeMisdemeanor(address indexed validator, uint256 missed, uint256 forfeited);
    event DowntimeFelony(address indexed validator, uint256 missed, uint256 slashed);
    event ParamsChanged(Params params);

    error SlashingNotValidator(address account);
    error SlashingOffenderNotValidator(address offender, uint256 blockNumber);
    error SlashingSelfReport(address reporter);
    error SlashingFutureBlock(uint256 blockNumber, uint256 currentBlock);
    error SlashingReportTooOld(uint256 blockNumber, uint256 oldestAllowed);
    error SlashingAlreadyReported(bytes32 offenceId, address reporter);
    error SlashingOffenceAlreadyPunished(bytes32 offenceId);
    error SlashingEvidenceSameHash(bytes32 blockHash);
    error SlashingEvidenceSignerMismatch(address signerA, address signerB);
    error SlashingInvalidSignature(bytes signature);
    error SlashingEvidenceAlreadyUsed(address validator, uint256 blockNumber);
    error SlashingInvalidParameter(string name, uint256 value);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialises with the validator set it slashes through and its parameters.
    function initialize(address admin, IValidatorSet validatorSet_, Params calldata params_) external initializer {
        __SystemContract_init(admin);
        if (address(validatorSet_) == address(0)) revert SystemContractZeroAddress("validatorSet");
        _checkParams(params_);
        SlashingStorage storage $ = _storage();
        $.validatorSet = validatorSet_;
        $.params = params_;
        emit ParamsChanged(params_);
    }

    // ---------------------------------------------------------------- road 1: reports

    /**
     * @notice Reports `offender` for an offence at `blockNumber` described by `reason`.
     * When more than 2/3 of the validators in force other than the offender have reported the same
     * (offender, block, reason), the offender is slashed `reportSlashBps` and jailed. A reporter past `maxReportsPerEpoch` reports in the
     * current epoch is slashed `spamSlashBps` instead and its report is not counted.
     *
     * Requirements: not paused; caller is a validator in force; `offender` was a validator at `blockNumber`
     * and is not the caller; `blockNumber` is in the past and no older than `maxReportAge`; the caller has
     * not reported this offence; the offence is not already punished.
     *
     * Emits {OffenceReported}, then {OffencePunished} at the threshold; or {ReporterPenalized} for spam.
     * @return counted whether the report was counted (false when the reporter was penalised for spam).
     */
    function report(
        address offender,
        uint256 blockNumber,
        bytes32 reason
    ) external whenNotPaused returns (bool counted) {
        SlashingStorage storage $ = _storage();
        IValidatorSet vs = $.validatorSet;
        if (!vs.isActiveValidator(msg.sender)) revert SlashingNotValidator(msg.sender);
        if (offender == msg.sender) revert SlashingSelfReport(msg.sender);
        if (blockNumber >= block.number) revert SlashingFutureBlock(blockNumber, block.number);
        if (blockNumber + $.params.maxReportAge < block.number) {
            revert SlashingReportTooOld(blockNumber, block.number - $.params.maxReportAge);
        }
        if (!vs.isValidatorAt(offender, blockNumber)) revert SlashingOffenderNotValidator(offender, blockNumber);
        bytes32 id = offenceId(offender, blockNumber, reason);
        Offence storage o = $.offences[id];
        if (o.punished) revert SlashingOffenceAlreadyPunished(id);
        if ($.reported[id][msg.sender]) revert SlashingAlreadyReported(id, msg.sender);

        uint256 epoch = vs.epochOf(block.number);
        uint256 filed = ++$.reportsInEpoch[msg.sender][epoch];
        if (filed > $.params.maxReportsPerEpoch) {
            // Spam: penalise the reporter. The call succeeds so that the penalty is not rolled back.
            uint256 penalty = vs.slash(msg.sender, $.params.spamSlashBps, REASON_REPORT_SPAM);
            emit ReporterPenalized(msg.sender, epoch, filed, penalty);
            return false;
        }

        $.reported[id][msg.sender] = true;
        if (o.reports == 0) {
            o.offender = offender;
            o.blockNumber = blockNumber;
            o.reason = reason;
        }
        uint256 reports = ++o.reports;
        uint256 required = requiredReports(offender);
        emit OffenceReported(id, msg.sender, offender, blockNumber, reason, reports, required);
        if (reports >= required) {
            o.punished = true;
            uint256 slashed = vs.slash(offender, $.params.reportSlashBps, reason);
            vs.jail(offender, reason);
            emit OffencePunished(id, offender, slashed);
        }
        return true;
    }

    /**
     * @notice Reports needed now to punish `offender`: the smallest count above 2/3 of the validators in force
     * other than the offender (who cannot report itself), so that small sets can punish too.
     */
    function requiredReports(address offender) public view returns (uint256) {
        IValidatorSet vs = _storage().validatorSet;
        uint256 judges = vs.validatorCountAt(block.number);
        if (judges > 0 && vs.isActiveValidator(offender)) --judges;
        return (judges * 2) / 3 + 1;
    }

    /// @notice Identifier of an offence: `keccak256(abi.encode(offender, blockNumber, reason))`.
    function offenceId(address offender, uint256 blockNumber, bytes32 reason) public pure returns (bytes32) {
        return keccak256(abi.encode(offender, blockNumber, reason));
    }

    /// @notice The recorded state of an offence.
    function getOffence(bytes32 id) external view returns (Offence memory) {
        return _storage().offences[id];
    }

    /// @notice Whether `reporter` has reported offence `id`.
    function hasReported(bytes32 id, address reporter) external view returns (bool) {
        return _storage().reported[id][reporter];
    }

    /// @notice Reports filed by `reporter` in `epoch` (including rejected spam).
    function reportsInEpoch(address reporter, uint256 epoch) external view returns (uint256) {
        return _storage().reportsInEpoch[reporter][epoch];
    }

    // ---------------------------------------------------------------- road 2: double-sign evidence

    /**
     * @notice Proves that one validator signed two different block hashes at `blockNumber`; the signer is
     * slashed `doubleSignSlashBps` and jailed at once. Anyone may submit.
     *
     * Requirements: not paused; `blockNumber` is in the past; `hashA != hashB`; both signatures are valid (65-byte, low-s) signatures by the
     * same address over {commitDigest}; that address was a validator at `blockNumber`; no evidence for that
     * validator and height was used before.
     *
     * Emits {DoubleSignPunished}.
     */
    function submitDoubleSignEvidence(
        uint256 blockNumber,
        bytes32 hashA,
        bytes calldata signatureA,
        bytes32 hashB,
        bytes calldata signatureB
    ) external whenNotPaused returns (address validator, uint256 slashed) {
        if (blockNumber >= block.number) revert SlashingFutureBlock(blockNumber, block.number);
        if (hashA == hashB) revert SlashingEvidenceSameHash(hashA);
        address signerA = _recover(commitDigest(blockNumber, hashA), signatureA);
        address signerB = _recover(commitDigest(blockNumber, hashB), signatureB);
        if (signerA != signerB) revert SlashingEvidenceSignerMismatch(signerA, signerB);
        SlashingStorage storage $ = _storage();
        if (!$.validatorSet.isValidatorAt(signerA, blockNumber)) {
            revert SlashingOffenderNotValidator(signerA, blockNumber);
        }
        if ($.doubleSignPunished[signerA][blockNumber]) revert SlashingEvidenceAlreadyUsed(signerA, blockNumber);
        $.doubleSignPunished[signerA][blockNumber] = true;
        validator = signerA;
        slashed = $.validatorSet.slash(validator, $.params.doubleSignSlashBps, REASON_DOUBLE_SIGN);
        $.validatorSet.jail(validator, REASON_DOUBLE_SIGN);
        emit DoubleSignPunished(validator, blockNumber, hashA, hashB, msg.sender, slashed);
    }

    /// @notice The digest a validator signs to commit block `blockHash` at `blockNumber` on this chain.
    function commitDigest(uint256 blockNumber, bytes32 blockHash) public view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, blockNumber, blockHash));
    }

    /// @notice Whether double-sign evidence for `validator` at `blockNumber` was already used.
    function isDoubleSignPunished(address validator, uint256 blockNumber) external view returns (bool) {
        return _storage().doubleSignPunished[validator][blockNumber];
    }

    // ---------------------------------------------------------------- road 3: downtime

    /**
     * @notice Records that `validator` missed its turn to propose. Called by the node at block end.
     *
     * Requirements: caller is `SYSTEM_ADDRESS`.
     *
     * Emits {MissedProposal}; {DowntimeMisdemeanor} when the count reaches `misdemeanorThreshold` (rewards
     * forfeited); {DowntimeFelony} at `felonyThreshold` (slashed, jailed, counter restarted).
     */
    function recordMissedProposal(address validator) external onlySystem {
        SlashingStorage storage $ = _storage();
        Downtime storage d = $.downtime[validator];
        if (d.lastMissBlock + $.params.downtimeWindow < block.number) d.missed = 0;
        d.lastMissBlock = block.number;
        uint256 missed = ++d.missed;
        emit MissedProposal(validator, missed);
        if (missed >= $.params.felonyThreshold) {
            d.missed = 0;
            uint256 slashed = $.validatorSet.slash(validator, $.params.downtimeSlashBps, REASON_DOWNTIME);
            $.validatorSet.jail(validator, REASON_DOWNTIME);
            emit DowntimeFelony(validator, missed, slashed);
        } else if (missed == $.params.misdemeanorThreshold) {
            uint256 forfeited = $.validatorSet.forfeitRewards(validator);
            emit DowntimeMisdemeanor(validator, missed, forfeited);
        }
    }

    /// @notice Missed proposals counted for `validator` and the block of its last miss.
    function downtimeOf(address validator) external view returns (uint256 missed, uint256 lastMissBlock) {
        Downtime storage d = _storage().downtime[validator];
        return (d.missed, d.lastMissBlock);
    }

    // ---------------------------------------------------------------- governance

    /**
     * @notice Sets the slashing parameters.
     * Requirements: `GOVERNANCE_ROLE`; fractions <= 10000 bps; 0 < misdemeanorThreshold < felonyThreshold;
     * maxReportAge, maxReportsPerEpoch and downtimeWindow > 0. Emits {ParamsChanged}.
     */
    function setParams(Params calldata params_) external onlyRole(GOVERNANCE_ROLE) {
        _checkParams(params_);
        _storage().params = params_;
        emit ParamsChanged(params_);
    }

    /// @notice The current parameters.
    function params() external view returns (Params memory) {
        return _storage().params;
    }

    /// @notice The validator set this contract slashes through.
    function validatorSet() external view returns (IValidatorSet) {
        return _storage().validatorSet;
    }

    // ---------------------------------------------------------------- internals

    function _storage() private pure returns (SlashingStorage storage $) {
        // ERC-7201 namespaced storage: the only way to point a storage struct at a fixed slot.
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }

    function _recover(bytes32 digest, bytes calldata signature) private pure returns (address signer) {
        ECDSA.RecoverError err;
        (signer, err, ) = ECDSA.tryRecover(digest, signature);
        if (err != ECDSA.RecoverError.NoError) revert SlashingInvalidSignature(signature);
    }

    function _checkParams(Params calldata p) private pure {
        if (p.reportSlashBps > 10_000) revert SlashingInvalidParameter("reportSlashBps", p.reportSlashBps);
        if (p.doubleSignSlashBps > 10_000) revert SlashingInvalidParameter("doubleSignSlashBps", p.doubleSignSlashBps);
        if (p.downtimeSlashBps > 10_000) revert SlashingInvalidParameter("downtimeSlashBps", p.downtimeSlashBps);
        if (p.spamSlashBps > 10_000) revert SlashingInvalidParameter("spamSlashBps", p.spamSlashBps);
        if (p.maxReportAge == 0) revert SlashingInvalidParameter("maxReportAge", p.maxReportAge);
        if (p.maxReportsPerEpoch == 0) revert SlashingInvalidParameter("maxReportsPerEpoch", p.maxReportsPerEpoch);
        if (p.misdemeanorThreshold == 0) {
            revert SlashingInvalidParameter("misdemeanorThreshold", p.misdemeanorThreshold);
        }
        if (p.felonyThreshold <= p.misdemeanorThreshold) {
            revert SlashingInvalidParameter("felonyThreshold", p.felonyThreshold);
        }
        if (p.downtimeWindow == 0) revert SlashingInvalidParameter("downtimeWindow", p.downtimeWindow);
    }
}
