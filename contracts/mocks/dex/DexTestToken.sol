// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/**
 * @title DexTestToken
 * @notice Test-only ERC-20 with EIP-2612 permit that names its issuer (the deployer), like the project's main
 * tokens; anyone may mint (tests and gas scenarios only).
 */
contract DexTestToken is ERC20, ERC20Permit {
    address private immutable ISSUER;

    constructor(string memory name_, string memory symbol_, uint256 supply) ERC20(name_, symbol_) ERC20Permit(name_) {
        ISSUER = msg.sender;
        _mint(msg.sender, supply);
    }

    /// @notice The account that deployed (issued) the token.
    function issuer() external view returns (address) {
        return ISSUER;
    }

    /// @notice Mints `amount` to `to` (test only). Emits {Transfer}.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
