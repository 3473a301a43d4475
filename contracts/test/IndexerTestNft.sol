// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @notice Test-only: an ERC-721 that anyone mints and whose owners burn, for the indexer's tests.
contract IndexerTestNft is ERC721 {
    uint256 private _supply;

    constructor() ERC721("Indexer Test NFT", "ITN") {}

    /// @notice Mints token `id` to `to` (emits Transfer from the zero address).
    function mint(address to, uint256 id) external {
        _mint(to, id);
        _supply += 1;
    }

    /// @notice Burns token `id` (its owner or an approved operator; emits Transfer to the zero address).
    function burn(uint256 id) external {
        _update(address(0), id, msg.sender);
        _supply -= 1;
    }

    /// @notice Tokens in existence.
    function totalSupply() external view returns (uint256) {
        return _supply;
    }
}
