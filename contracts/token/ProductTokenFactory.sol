// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {SystemContract} from "../utils/SystemContract.sol";
import {ProductToken} from "./ProductToken.sol";

/**
 * @title ProductTokenFactory
 * @notice Creates product tokens on a product chain. A product developer (PD) presents the consortium partner's
 * EIP-712 signed **permission** — product chain id, main token, ratio, PD address, expiry — and gets a
 * {ProductToken} clone whose only minter is the product bridge.
 *
 * Which CP may permit tokens backed by which main token is mirrored from the main chain by governance
 * ({setMainTokenIssuer}). A permission is bound to this chain (chain id in the domain and in the message) and to
 * this factory, expires, and is used once.
 *
 * Product tokens are EIP-1167 clones: about a tenth of a full deployment, and their logic cannot change under
 * the holders of a bridged asset.
 */
contract ProductTokenFactory is SystemContract, EIP712Upgradeable {
    /// @notice EIP-712 type of the CP's permission.
    bytes32 public constant PERMISSION_TYPEHASH =
        // An EIP-712 type string is as long as its fields; it is hashed at compile time.
        // solhint-disable-next-line gas-small-strings
        keccak256(
            "ProductTokenPermission(uint256 productChainId,address mainToken,uint256 ratio,address productDeveloper,uint256 expiry)"
        );
    /// @notice Largest accepted ratio (product units per main unit).
    uint256 public constant MAX_RATIO = 1e18;

    /// @notice What the PD chooses for its token.
    struct TokenInfo {
        string name;
        string symbol;
        uint8 decimals;
    }

    struct Permission {
        uint256 productChainId;
        address mainToken;
        uint256 ratio;
        address productDeveloper;
        uint256 expiry;
    }

    /// @custom:storage-location erc7201:luniverse.storage.ProductTokenFactory
    struct ProductTokenFactoryStorage {
        address implementation;
        address bridge;
        mapping(address mainToken => address issuer) mainTokenIssuer;
        mapping(bytes32 digest => bool) used;
        address[] tokens;
        mapping(address token => uint256 ratio) ratioOf;
    }

    // keccak256(abi.encode(uint256(keccak256("luniverse.storage.ProductTokenFactory")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xf0cdf33e49425e871c8a54a660e65fb70af8f06627f16d81a552ef2d68c4ea00;

    event MainTokenIssuerSet(address indexed mainToken, address indexed issuer);
    event ProductTokenIssued(
        address indexed token,
        address indexed mainToken,
        address indexed productDeveloper,
        address consortiumPartner,
        uint256 ratio
    );

    error ProductTokenFactoryWrongChain(uint256 permittedChainId, uint256 chainId);
    error ProductTokenFactoryPermissionExpired(uint256 expiry, uint256 nowTimestamp);
    error ProductTokenFactoryNotPermittedDeveloper(address permitted, address caller);
    error ProductTokenFactoryUnknownMainToken(address mainToken);
    error ProductTokenFactoryInvalidSigner(address signer, address issuer);
    error ProductTokenFactoryPermissionUsed(bytes32 digest);
    error ProductTokenFactoryInvalidRatio(uint256 ratio);
    error ProductTokenFactoryInvalidToken(string reason);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialises with the ProductToken implementation and the product bridge (the tokens' minter).
    function initialize(address admin, address implementation_, address bridge_) external initializer {
        __SystemContract_init(admin);
        __EIP712_init("LuniverseProductTokenFactory", "1");
        if (implementation_ == address(0)) revert SystemContractZeroAddress("implementation");
        if (bridge_ == address(0)) revert SystemContractZeroAddress("bridge");
        ProductTokenFactoryStorage storage $ = _storage();
        $.implementation = implementation_;
        $.bridge = bridge_;
    }

    /**
     * @notice Records that `issuer` (the CP) issued `mainToken` on the main chain, so its permissions count here.
     * Requirements: `GOVERNANCE_ROLE`; `mainToken` not zero (`issuer` zero revokes). Emits {MainTokenIssuerSet}.
     */
    function setMainTokenIssuer(address mainToken, address issuer) external onlyRole(GOVERNANCE_ROLE) {
        if (mainToken == address(0)) revert SystemContractZeroAddress("mainToken");
        _storage().mainTokenIssuer[mainToken] = issuer;
        emit MainTokenIssuerSet(mainToken, issuer);
    }

    /**
     * @notice Creates the product token a CP's permission allows the caller to create.
     * Requirements: not paused; `permission.productChainId` is this chain; not expired; caller is the permitted PD;
     * the main token's issuer is known and signed `permission` (EIP-712, this factory's domain); the permission
     * was not used; 1 <= ratio <= MAX_RATIO; `info` has a non-empty name and symbol and decimals <= 36.
     * Emits {ProductTokenIssued}.
     */
    function issueProductToken(
        Permission calldata permission,
        bytes calldata signature,
        TokenInfo calldata info
    ) external whenNotPaused returns (address token) {
        if (bytes(info.name).length == 0) revert ProductTokenFactoryInvalidToken("empty name");
        if (bytes(info.symbol).length == 0) revert ProductTokenFactoryInvalidToken("empty symbol");
        if (info.decimals > 36) revert ProductTokenFactoryInvalidToken("decimals above 36");
        address issuer = _usePermission(permission, signature);
        ProductTokenFactoryStorage storage $ = _storage();
        token = Clones.clone($.implementation);
        ProductToken(token).initialize(info.name, info.symbol, info.decimals, $.bridge, permission.mainToken);
        $.tokens.push(token);
        $.ratioOf[token] = permission.ratio;
        emit ProductTokenIssued(token, permission.mainToken, msg.sender, issuer, permission.ratio);
    }

    /// @dev Checks the permission for the caller and marks it used; returns the CP that signed it.
    function _usePermission(Permission calldata permission, bytes calldata signature) private returns (address issuer) {
        ProductTokenFactoryStorage storage $ = _storage();
        if (permission.productChainId != block.chainid) {
            revert ProductTokenFactoryWrongChain(permission.productChainId, block.chainid);
        }
        // An expiry is a wall-clock deadline by design.
        // solhint-disable-next-line not-rely-on-time
        if (block.timestamp > permission.expiry) {
            // solhint-disable-next-line not-rely-on-time
            revert ProductTokenFactoryPermissionExpired(permission.expiry, block.timestamp);
        }
        if (msg.sender != permission.productDeveloper) {
            revert ProductTokenFactoryNotPermittedDeveloper(permission.productDeveloper, msg.sender);
        }
        if (permission.ratio == 0 || permission.ratio > MAX_RATIO) revert ProductTokenFactoryInvalidRatio(permission.ratio);
        issuer = $.mainTokenIssuer[permission.mainToken];
        if (issuer == address(0)) revert ProductTokenFactoryUnknownMainToken(permission.mainToken);
        bytes32 digest = permissionDigest(permission);
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(digest, signature);
        if (err != ECDSA.RecoverError.NoError || signer != issuer) revert ProductTokenFactoryInvalidSigner(signer, issuer);
        if ($.used[digest]) revert ProductTokenFactoryPermissionUsed(digest);
        $.used[digest] = true;
    }

    /// @notice The EIP-712 digest a CP signs for `permission` on this chain and factory.
    function permissionDigest(Permission calldata permission) public view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        PERMISSION_TYPEHASH,
                        permission.productChainId,
                        permission.mainToken,
                        permission.ratio,
                        permission.productDeveloper,
                        permission.expiry
                    )
                )
            );
    }

    /// @notice Whether the permission with `digest` was used.
    function isPermissionUsed(bytes32 digest) external view returns (bool) {
        return _storage().used[digest];
    }

    /// @notice The CP whose permissions count for `mainToken` (zero when unknown).
    function mainTokenIssuer(address mainToken) external view returns (address) {
        return _storage().mainTokenIssuer[mainToken];
    }

    /// @notice The ratio permitted for `token` (zero when not issued here).
    function ratioOf(address token) external view returns (uint256) {
        return _storage().ratioOf[token];
    }

    /// @notice Every product token issued here.
    function tokens() external view returns (address[] memory) {
        return _storage().tokens;
    }

    /// @notice The product bridge, minter of every product token.
    function bridge() external view returns (address) {
        return _storage().bridge;
    }

    function _storage() private pure returns (ProductTokenFactoryStorage storage $) {
        // ERC-7201 namespaced storage: the only way to point a storage struct at a fixed slot.
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
