// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title IValidatorSet
 * @notice What the node, slashing and governance read from (and ask of) the validator set.
 */
interface IValidatorSet {
    /// @notice Where slashed stake goes.
    enum SlashDestination {
        Treasury,
        Validators
    }

    /// @notice Ordered validator list in force at `blockNumber` (the node caches it per epoch).
    function validatorsAt(uint256 blockNumber) external view returns (address[] memory);

    /// @notice Number of validators in force at `blockNumber`.
    function validatorCountAt(uint256 blockNumber) external view returns (uint256);

    /// @notice Whether `account` is a validator in force at `blockNumber`.
    function isValidatorAt(address account, uint256 blockNumber) external view returns (bool);

    /// @notice Whether `account` is a validator in force at the current block.
    function isActiveValidator(address account) external view returns (bool);

    /// @notice Round-robin proposer of `blockNumber`.
    function proposerFor(uint256 blockNumber) external view returns (address);

    /// @notice Index of the epoch that contains `blockNumber`.
    function epochOf(uint256 blockNumber) external view returns (uint256);

    /// @notice Bonded plus unbonding stake of `validator` (everything slashing can reach).
    function slashableStake(address validator) external view returns (uint256);

    /// @notice Slashes `fractionBps` (basis points) of the validator's stake; returns the amount taken.
    function slash(address validator, uint256 fractionBps, bytes32 reason) external returns (uint256);

    /// @notice Jails `validator` and removes it from the set from the next epoch.
    function jail(address validator, bytes32 reason) external;

    /// @notice Forfeits the validator's unclaimed rewards (downtime "lose income").
    function forfeitRewards(address validator) external returns (uint256);
}
