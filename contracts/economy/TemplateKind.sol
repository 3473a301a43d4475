// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice The four transaction templates {TemplateFactory} deploys. The order is part of the ABI: append only.
enum TemplateKind {
    Transfer,
    Vesting,
    Stake,
    Burn
}
