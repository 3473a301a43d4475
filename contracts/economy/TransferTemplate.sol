// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Template} from "./Template.sol";
import {TemplateKind} from "./TemplateKind.sol";

/**
 * @title TransferTemplate
 * @notice A transfer with an optional fee: `transferTo(to, amount)` moves `amount` of the sender's tokens (the
 * sender approves this template first); `amount * feeBps / 10_000` (rounded down) goes to the fee recipient and
 * the rest to `to`. The template never holds tokens. Limits apply to the gross amount, per sender.
 */
contract TransferTemplate is Template {
    using SafeERC20 for IERC20;

    /// @notice Highest fee the owner can set: 10 %.
    uint16 public constant MAX_FEE_BPS = 1_000;
    /// @notice Basis points in one whole.
    uint16 public constant BPS = 10_000;

    // Fee and recipient share one slot, read together on every transfer.
    uint16 private _feeBps;
    address private _feeRecipient;

    /// @notice The fee changed.
    event FeeSet(uint256 feeBps, address indexed feeRecipient);
    /// @notice `from` sent `amount` through the template: `to` received `amount - fee`, the fee recipient `fee`.
    event Transferred(address indexed from, address indexed to, uint256 amount, uint256 fee);

    /// @dev `feeBps` is above {MAX_FEE_BPS}.
    error TransferTemplateFeeTooHigh(uint256 feeBps, uint256 maxFeeBps);
    /// @dev A non-zero fee needs a fee recipient.
    error TransferTemplateNoFeeRecipient(uint256 feeBps);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Initialises a clone (the factory does, in the transaction that creates it).
     * Requirements: not initialised yet; owner and token not zero; fee ≤ {MAX_FEE_BPS}; a fee recipient
     * when the fee is not zero. Emits {OwnershipTransferred}, {LimitsSet}, {FeeSet}.
     */
    function initialize(
        address owner_,
        address token_,
        uint16 feeBps_,
        address feeRecipient_,
        Limits calldata limits_
    ) external initializer {
        __Template_init(owner_, token_, limits_);
        _setFee(feeBps_, feeRecipient_);
    }

    /// @inheritdoc Template
    function kind() external pure override returns (TemplateKind) {
        return TemplateKind.Transfer;
    }

    /**
     * @notice Moves `amount` of the caller's tokens: `amount - fee` to `to`, `fee` to the fee recipient.
     * Requirements: not paused; `to` not zero; `amount` not zero and within the limits; the caller approved
     * this template for `amount` and holds it. Emits {Transferred}.
     * @return feeAmount The part of `amount` that went to the fee recipient.
     */
    function transferTo(address to, uint256 amount) external whenNotPaused nonReentrant returns (uint256 feeAmount) {
        if (to == address(0)) revert TemplateZeroAddress("to");
        if (amount == 0) revert TemplateZeroAmount();
        _useLimits(msg.sender, amount);
        uint16 feeBps = _feeBps;
        address recipient = _feeRecipient;
        feeAmount = (amount * feeBps) / BPS;
        emit Transferred(msg.sender, to, amount, feeAmount);

        IERC20 t = token();
        t.safeTransferFrom(msg.sender, to, amount - feeAmount);
        if (feeAmount != 0) t.safeTransferFrom(msg.sender, recipient, feeAmount);
    }

    /**
     * @notice Sets the fee (basis points of each transfer) and who receives it.
     * Requirements: caller is the owner; `feeBps_` ≤ {MAX_FEE_BPS}; a recipient when `feeBps_` is not zero.
     * Emits {FeeSet}.
     */
    function setFee(uint16 feeBps_, address feeRecipient_) external onlyOwner {
        _setFee(feeBps_, feeRecipient_);
    }

    /// @notice The fee in basis points and its recipient.
    function fee() external view returns (uint256 feeBps, address feeRecipient) {
        return (_feeBps, _feeRecipient);
    }

    /// @notice What `to` and the fee recipient receive of a transfer of `amount`.
    function quote(uint256 amount) external view returns (uint256 net, uint256 feeAmount) {
        feeAmount = (amount * _feeBps) / BPS;
        net = amount - feeAmount;
    }

    function _setFee(uint16 feeBps_, address feeRecipient_) private {
        if (feeBps_ > MAX_FEE_BPS) revert TransferTemplateFeeTooHigh(feeBps_, MAX_FEE_BPS);
        if (feeBps_ != 0 && feeRecipient_ == address(0)) revert TransferTemplateNoFeeRecipient(feeBps_);
        _feeBps = feeBps_;
        _feeRecipient = feeRecipient_;
        emit FeeSet(feeBps_, feeRecipient_);
    }
}
