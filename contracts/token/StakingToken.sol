// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/**
 * @title StakingToken
 * @notice The ERC-20 (with EIP-2612 permit) that validators stake on a development or test network: a fixed
 * supply minted once to `holder`. A production deployment passes an existing token to the validator set instead.
 */
contract StakingToken is ERC20, ERC20Permit {
    constructor(
        string memory name_,
        string memory symbol_,
        uint256 supply,
        address holder
    ) ERC20(name_, symbol_) ERC20Permit(name_) {
        _mint(holder, supply);
    }
}
