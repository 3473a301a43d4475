// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TraceChild} from "./TraceChild.sol";

/**
 * @title TraceProbe
 * @notice Test contract for the node's tracing RPC: one transaction that makes every kind of internal operation (CALL
 * with value, CREATE, CREATE2, STATICCALL, DELEGATECALL, a caught revert, SELFDESTRUCT), and transactions that revert
 * with a custom error, a reason string, or a custom error bubbled up from a child.
 */
contract TraceProbe {
    /// The transaction asked to fail with `code`, sent by `who`.
    error TraceProbeFailed(uint256 code, address who);
    /// A call of {run} that must succeed did not (`step` names it).
    error TraceProbeStepFailed(string step);

    /// One run made `created` (CREATE) and `created2` (CREATE2).
    event Probed(address created, address created2);

    uint256 public x;

    // solhint-disable-next-line no-empty-blocks
    constructor() payable {}

    /**
     * @notice Sends 1 wei to `to`, creates two children (CREATE with 2 wei, CREATE2 with `salt`), calls one with 3 wei,
     * reads the other, delegatecalls it, catches a child's revert and self-destructs a child in favour of `to`.
     * Requirements: msg.value >= 6 wei; `salt` not used before.
     * Emits {Probed}.
     */
    function run(address payable to, bytes32 salt) external payable returns (address created, address created2) {
        // solhint-disable-next-line avoid-low-level-calls
        (bool sent, ) = to.call{value: 1}("");
        if (!sent) revert TraceProbeStepFailed("transfer");
        TraceChild c = new TraceChild{value: 2}();
        TraceChild d = new TraceChild{salt: salt}();
        c.set{value: 3}(7);
        x = d.x();
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, ) = address(d).delegatecall(abi.encodeCall(TraceChild.set, (5)));
        if (!ok) revert TraceProbeStepFailed("delegatecall");
        // solhint-disable-next-line no-empty-blocks
        try c.fail(9) {} catch {}
        c.bye(to);
        emit Probed(address(c), address(d));
        return (address(c), address(d));
    }

    /// @notice Always reverts with {TraceProbeFailed}.
    function failCustom(uint256 code) external view {
        revert TraceProbeFailed(code, msg.sender);
    }

    /// @notice Always reverts with a reason string (what older contracts do).
    function failWithReason() external pure {
        // solhint-disable-next-line gas-custom-errors
        revert("probe says no");
    }

    /// @notice Creates a child and lets its {TraceChild.TraceChildFailed} revert bubble up.
    function failDeep(uint256 code) external {
        TraceChild c = new TraceChild();
        c.fail(code);
    }
}
