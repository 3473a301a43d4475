// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";
import {ERC20PermitUpgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/extensions/ERC20PermitUpgradeable.sol";

/**
 * @title ProductToken
 * @notice A product token on a product chain: ERC-20 with EIP-2612 permit whose only minter is the product
 * bridge. Every unit in circulation is backed by main tokens locked in the main bridge at the pair's ratio, so
 * nothing but the bridge can create or destroy supply: it mints on a confirmed deposit and burns on redeem.
 * Deployed by {ProductTokenFactory} as an EIP-1167 clone (cheap, immutable logic: holders of a bridged asset
 * should not face an upgradeable mint function).
 */
contract ProductToken is ERC20Upgradeable, ERC20PermitUpgradeable {
    /// @custom:storage-location erc7201:luniverse.storage.ProductToken
    struct ProductTokenStorage {
        address bridge;
        address mainToken;
        uint8 decimals;
    }

    // keccak256(abi.encode(uint256(keccak256("luniverse.storage.ProductToken")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x988cd19608e017fa65de5d37108b3a9cf3e047145e6bfa1bcaca822ae024ba00;

    /// @dev Only the product bridge mints and burns.
    error ProductTokenNotBridge(address caller);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialises the clone; `bridge_` becomes the only minter.
    function initialize(
        string calldata name_,
        string calldata symbol_,
        uint8 decimals_,
        address bridge_,
        address mainToken_
    ) external initializer {
        __ERC20_init(name_, symbol_);
        __ERC20Permit_init(name_);
        ProductTokenStorage storage $ = _storage();
        $.bridge = bridge_;
        $.mainToken = mainToken_;
        $.decimals = decimals_;
    }

    modifier onlyBridge() {
        if (msg.sender != _storage().bridge) revert ProductTokenNotBridge(msg.sender);
        _;
    }

    /// @inheritdoc ERC20Upgradeable
    function decimals() public view override returns (uint8) {
        return _storage().decimals;
    }

    /// @notice The product bridge, the only minter.
    function bridge() external view returns (address) {
        return _storage().bridge;
    }

    /// @notice The main-chain token backing this product token.
    function mainToken() external view returns (address) {
        return _storage().mainToken;
    }

    /**
     * @notice Mints `amount` to `to` for a confirmed deposit.
     * Requirements: caller is the bridge. Emits {Transfer}.
     */
    function mint(address to, uint256 amount) external onlyBridge {
        _mint(to, amount);
    }

    /**
     * @notice Burns `amount` from `from` when `from` redeems through the bridge (the bridge only calls this
     * for the account that called `redeem`).
     * Requirements: caller is the bridge; `from` holds `amount`. Emits {Transfer}.
     */
    function burn(address from, uint256 amount) external onlyBridge {
        _burn(from, amount);
    }

    function _storage() private pure returns (ProductTokenStorage storage $) {
        // ERC-7201 namespaced storage: the only way to point a storage struct at a fixed slot.
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
