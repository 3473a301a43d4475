#!/usr/bin/env bash
# Fetches the public labelled sets that `npm run bench:audit` scores beside SmartBugs-curated, at the commits the labels
# in bench/audit/labels/ were written against, with the git submodules their contracts import (nothing else).
#
#   bash bench/audit/fetch-datasets.sh [DEST]        # DEST defaults to ../shared/bench (beside smartbugs-curated)
#   bash bench/audit/fetch-datasets.sh --held-out [DEST]   # only the held-out set (bench/audit/held-out/), see below
#
# Beside the labelled sets it fetches well-known audited code (Uniswap v2/v3 core, Safe, solmate, solady) into
# audited/, where the bench counts medium/high findings as false positives.
#
# The files stay outside this repository: Ethernaut is AGPL-3.0; Damn Vulnerable DeFi is MIT but keeps its own
# history. Only our labels (file, lines, category, why) are committed.
#
# Where GitHub is not reachable, MIRROR=<folder> takes each repository from <folder>/<owner>+<name>/repo (a git
# directory, names compared without case) instead of https://github.com/<owner>/<name>.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
held_out=
if [[ "${1:-}" == "--held-out" ]]; then held_out=1; shift; fi
dest=${1:-$here/../../../shared/bench}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

# source URL of owner/name: GitHub, or the mirror folder
url() {
  local slug=$1
  if [[ -n "${MIRROR:-}" ]]; then
    local want=${slug/\//+} dir
    dir=$(find "$MIRROR" -mindepth 1 -maxdepth 1 -iname "$want" -print -quit)
    [[ -n "$dir" ]] || { echo "fetch-datasets: $slug is not in MIRROR=$MIRROR (looked for $want/repo)" >&2; exit 1; }
    echo "$dir/repo"
  else
    echo "https://github.com/$slug"
  fi
}

# fetch NAME OWNER/REPO COMMIT [SUBMODULE_PATH...]
fetch() {
  local name=$1 slug=$2 commit=$3
  shift 3
  local into=$dest/$name
  if [[ -d "$into/.git" ]] && [[ "$(git -C "$into" rev-parse HEAD)" == "$commit" ]]; then
    echo "$name: already at $commit"
  else
    rm -rf "$into"
    git clone --quiet --no-checkout "$(url "$slug")" "$into"
    git -C "$into" checkout --quiet "$commit"
    echo "$name: $slug at $commit"
  fi
  local sub
  for sub in "$@"; do
    # a nested submodule is written PARENT:PATH (forge-std's own lib/ds-test: lib/forge-std:lib/ds-test)
    if [[ "$sub" == *:* ]]; then submodule "$into/${sub%%:*}" "${sub#*:}"; else submodule "$into" "$sub"; fi
  done
}

# npm_into NAME PATH PACKAGE VERSION: unpacks an npm package at a path of the set (only that package, no scripts run)
npm_into() {
  local into=$dest/$1/$2 tmp
  if [[ -f "$into/package.json" ]] && grep -q "\"version\": \"$4\"" "$into/package.json"; then return; fi
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$3@$4" > /dev/null)
  rm -rf "$into" && mkdir -p "$into"
  tar -xzf "$tmp"/*.tgz -C "$into" --strip-components=1
  rm -rf "$tmp"
  echo "  $2: $3 $4 (npm)"
}

# npm_dep NAME PACKAGE VERSION: puts an npm package into the set's node_modules/
npm_dep() { npm_into "$1" "node_modules/$2" "$2" "$3"; }

# git_dep NAME PACKAGE OWNER/REPO COMMIT: puts a package a project takes from git (package.json "owner/repo#branch")
# into the set's node_modules/, at the commit that branch had
git_dep() {
  local into=$dest/$1/node_modules/$2
  if [[ -d "$into/.git" ]] && [[ "$(git -C "$into" rev-parse HEAD)" == "$4" ]]; then return; fi
  rm -rf "$into" && mkdir -p "$(dirname "$into")"
  git clone --quiet --no-checkout "$(url "$3")" "$into"
  git -C "$into" checkout --quiet "$4"
  echo "  node_modules/$2: $3 at $4 (git)"
}

# git_into NAME PATH OWNER/REPO COMMIT: checks a repository out at a path of the set, in place of a submodule the
# source cannot serve (too large to mirror) by one with the same files (Chainlink's contracts in its brownie package)
git_into() {
  local into=$dest/$1/$2
  if [[ -d "$into/.git" ]] && [[ "$(git -C "$into" rev-parse HEAD)" == "$4" ]]; then return; fi
  rm -rf "$into" && mkdir -p "$(dirname "$into")"
  git clone --quiet --no-checkout "$(url "$3")" "$into"
  git -C "$into" checkout --quiet "$4"
  echo "  $2: $3 at $4 (git)"
}

# submodule REPO_DIR PATH: checks out one submodule of a checked-out repository at the commit the repository pins
submodule() {
  local into=$1 sub=$2 name sub_url sub_slug
  if [[ -n "$(ls -A "$into/$sub" 2>/dev/null)" ]]; then return; fi
  # the submodule's name need not be its path (Bond names bonds/lib/solmate "lib/solmate")
  name=$(git -C "$into" config -f .gitmodules --get-regexp '^submodule\..*\.path$' |
    awk -v p="$sub" '$2 == p { sub(/^submodule\./, "", $1); sub(/\.path$/, "", $1); print $1; exit }')
  sub_url=$(git -C "$into" config -f .gitmodules --get "submodule.$name.url")
  # (a URL may end in "/": Zivoe's OpenZeppelin) Rari-Capital/solmate and brockelmore/forge-std moved (GitHub redirects; a mirror knows the new names only)
  sub_slug=$(sed -E 's#^https://github.com/##; s#/$##; s#\.git$##; s#^Rari-Capital/solmate$#transmissions11/solmate#; s#^brockelmore/forge-std$#foundry-rs/forge-std#' <<<"$sub_url")
  git -C "$into" submodule --quiet init -- "$sub"
  [[ -z "${MIRROR:-}" ]] || git -C "$into" config "submodule.$name.url" "$(url "$sub_slug")"
  git -C "$into" -c protocol.file.allow=always submodule --quiet update -- "$sub" 2>/dev/null || {
    # a mirror may lack large non-source files (audit PDFs): check out the Solidity sources only
    local pinned
    pinned=$(git -C "$into" ls-tree HEAD "$sub" | awk '{print $3}')
    git -C "$into/$sub" ls-tree -r --name-only "$pinned" | grep '\.sol$' |
      xargs -d '\n' git -C "$into/$sub" checkout --quiet "$pinned" --
    echo "  $sub: some non-Solidity files missing from the source; Solidity files checked out"
  }
  echo "  $sub: $(git -C "$into/$sub" rev-parse --short HEAD)"
}

if [[ -n "$held_out" ]]; then
  # The held-out set (bench/audit/held-out/): scored only by `npm run bench:audit -- --held-out`, never tuned on
  fetch defivulnlabs SunWeb3Sec/DeFiVulnLabs f61f6ee5c3f89eb7685030647f8df19997596f8b \
    lib/forge-std lib/forge-std:lib/ds-test lib/openzeppelin-contracts
  echo "done: $dest/defivulnlabs (labels: bench/audit/held-out/; run npm run bench:audit -- --held-out)"
  exit 0
fi

fetch ethernaut OpenZeppelin/ethernaut d05643a40aa98c45d66247c69ffceab8f44dd8cb \
  contracts/lib/openzeppelin-contracts-06 contracts/lib/openzeppelin-contracts-08 \
  contracts/lib/openzeppelin-contracts-v4.6.0 contracts/lib/openzeppelin-contracts-v5.4.0

fetch damn-vulnerable-defi theredguild/damn-vulnerable-defi 64fddf9f96de2782f8868898d68673acb295119c \
  lib/forge-std lib/openzeppelin-contracts lib/openzeppelin-contracts-upgradeable lib/solmate lib/solady \
  lib/v2-core lib/v2-periphery lib/v3-core lib/v3-periphery lib/safe-smart-account lib/permit2

fetch solidity-by-example Cyfrin/solidity-by-example.github.io 5bcdca0239409d7336a07b66a6fca8d0bcc710e6

fetch sc-exploits-minimized Cyfrin/sc-exploits-minimized 1d053cc34da03dd9db7c56e79c8da2c90165c396 \
  lib/forge-std lib/openzeppelin-contracts

fetch sol-bug-bench hans-cyfrin/sol-bug-bench 274f14ba05f5e697f00afd2def13e8ef818e88c6 \
  lib/forge-std lib/openzeppelin-contracts

# RareSkills' CTFs: Solidity Riddles (a Hardhat project: its Solidity dependency from npm at the lock file's version,
# as `npm install` would put it) and Capture the Ether ported to Foundry (forge-std vendored in each challenge)
fetch rareskills-riddles RareSkills/solidity-riddles f1f2659bc3e078977d779e792e8753cc6388bf66
npm_dep rareskills-riddles @openzeppelin/contracts 4.8.3
fetch rareskills-capture-the-ether RareSkills/capture-the-ether-foundry e3e1c4e4df49dcaa200f41f6b333a11652ebb8de

# Mr Steal Yo Crypto (0xToshii): twenty DeFi challenges modelled on real exploits, Foundry layout
fetch mr-steal-yo-crypto 0xToshii/mr-steal-yo-crypto-ctf-foundry 5fc5c109d451b427bbe30dbe9cdf268536bf161f \
  lib/forge-std lib/openzeppelin-contracts lib/v2-core lib/v2-periphery

# QuillCTF (QuillAudits' challenges, as ret2basic's Foundry projects keep them: one project per challenge)
fetch quillctf ret2basic/QuillCTF-PoC 27dc4602e4f41688667490f87f8c2aef1d93d1f9 \
  GoldNFT/lib/openzeppelin-contracts InvestPool/lib/openzeppelin-contracts MetaToken/lib/openzeppelin-contracts \
  WETH10/lib/openzeppelin-contracts WETH11/lib/openzeppelin-contracts safeNFT/lib/openzeppelin-contracts \
  TrueXOR/lib/forge-std TrueXOR/lib/forge-std:lib/ds-test

# Paradigm CTF 2021 and 2022 (paradigmxyz): each challenge's contracts in public/, the organisers' exploit in private/
fetch paradigm-ctf-2021 paradigmxyz/paradigm-ctf-2021 eedc32d5e3367cbfd2a45601e026572ea39ddedb
fetch paradigm-ctf-2022 paradigmxyz/paradigm-ctf-2022 afbf44221a2738b948b9fe83f9bd2264e599fc2c
# Paradigm CTF 2023: one Foundry project per challenge (challenge/project, dependencies vendored in its lib/)
fetch paradigm-ctf-2023 paradigmxyz/paradigm-ctf-2023 642d6aa90a4ca195337e8cd5f09cb2f7f842a481

# Sherlock audit contests (sherlock-audit): the code as audited, labelled from each contest's judged report (its
# -judging repository's README: the High and Medium issues with the lines they link); Hardhat projects get the npm
# packages their lock files pin (USSD has no lock file: the versions its ranges resolved to in May 2023, and Uniswap's 0.8 branches it names)
fetch sherlock-2023-01-cooler sherlock-audit/2023-01-cooler 1421fb7ffbedbcf7dc802abc3e8d167c2bca1e6a
fetch sherlock-2023-02-surge sherlock-audit/2023-02-surge bc4ab609547161fc614ed52a81e890524488e8e1
fetch sherlock-2023-02-telcoin sherlock-audit/2023-02-telcoin 97b2bcd78740a870159b25d2f04806068c1c4c1f
npm_dep sherlock-2023-02-telcoin/telcoin-audit @openzeppelin/contracts 4.8.1
npm_dep sherlock-2023-02-telcoin/telcoin-audit @openzeppelin/contracts-upgradeable 4.8.1
npm_dep sherlock-2023-02-telcoin/telcoin-audit solidity-bytes-utils 0.8.0
fetch sherlock-2023-04-footium sherlock-audit/2023-04-footium 11736f3f7f7efa88cb99ee98b04b85a46621347c
npm_dep sherlock-2023-04-footium/footium-eth-shareable @openzeppelin/contracts 4.8.3
npm_dep sherlock-2023-04-footium/footium-eth-shareable @openzeppelin/contracts-upgradeable 4.8.3
fetch sherlock-2023-05-ussd sherlock-audit/2023-05-USSD 6d7a9fdfb1f1ed838632c25b6e1b01748d0bafda
npm_dep sherlock-2023-05-ussd/ussd-contracts @openzeppelin/contracts 4.8.3
npm_dep sherlock-2023-05-ussd/ussd-contracts @openzeppelin/contracts-upgradeable 4.8.3
npm_dep sherlock-2023-05-ussd/ussd-contracts @chainlink/contracts 0.6.1
git_dep sherlock-2023-05-ussd/ussd-contracts @uniswap/v3-core Uniswap/v3-core 6562c52e8f75f0c10f9deaf44861847585fc8129
git_dep sherlock-2023-05-ussd/ussd-contracts @uniswap/v3-periphery Uniswap/v3-periphery b325bb0905d922ae61fcc7df85ee802e8df5e96c
npm_dep sherlock-2023-05-ussd/ussd-contracts @uniswap/swap-router-contracts 1.3.0
fetch sherlock-2023-06-tokensoft sherlock-audit/2023-06-tokensoft 1f58ddb066ab383c416cfcbf95c9902683506e96
npm_dep sherlock-2023-06-tokensoft/contracts @openzeppelin/contracts 4.7.3
npm_dep sherlock-2023-06-tokensoft/contracts @openzeppelin/contracts-upgradeable 4.7.3
npm_dep sherlock-2023-06-tokensoft/contracts @chainlink/contracts 0.6.1

# two more Sherlock contests, Foundry projects whose dependencies are git submodules
fetch sherlock-2023-06-dinari sherlock-audit/2023-06-dinari 4851cb7ebc86a7bc26b8d0d399a7dd7f9520f393 \
  sbt-contracts/lib/forge-std sbt-contracts/lib/openzeppelin-contracts sbt-contracts/lib/openzeppelin-contracts-upgradeable \
  sbt-contracts/lib/prb-math sbt-contracts/lib/solady
fetch sherlock-2023-08-cooler sherlock-audit/2023-08-cooler 6d34cd12a2a15d2c92307d44782d6eae1474ab25 \
  Cooler/lib/clones-with-immutable-args Cooler/lib/ds-test Cooler/lib/forge-std Cooler/lib/olympus-v3 \
  Cooler/lib/openzeppelin-contracts Cooler/lib/solmate

# four more Sherlock contests (first run after their labels were committed): Kairos (npm packages and git
# packages at the commits its package-lock pins), Y2K (dependencies vendored), DODO GSP (its package-lock's
# OpenZeppelin), Bond (git submodules)
fetch sherlock-2023-02-kairos sherlock-audit/2023-02-kairos 4f426b6b54a1961bd6ed39f9fad663438a9d60ea
npm_dep sherlock-2023-02-kairos/kairos-contracts @openzeppelin/contracts 4.8.2
npm_dep sherlock-2023-02-kairos/kairos-contracts solmate 6.7.0
git_dep sherlock-2023-02-kairos/kairos-contracts diamond mudgen/diamond-1-hardhat 10a001c8f0d9e8b71e7e2fd8b5829da8a18f9a57
git_dep sherlock-2023-02-kairos/kairos-contracts forge-std foundry-rs/forge-std 2b58ecbcf3dfde7a75959dc7b4eb3d0670278de6
git_dep sherlock-2023-02-kairos/kairos-contracts ds-test dapphub/ds-test e282159d5170298eb2455a6c05280ab5a73a4ef0
fetch sherlock-2023-03-y2k sherlock-audit/2023-03-Y2K 93e3994dc0b0b944039050982957ebe2fa6ec599
fetch sherlock-2023-12-dodo-gsp sherlock-audit/2023-12-dodo-gsp af43d39f6a89e5084843e196fc0185abffe6304d
npm_dep sherlock-2023-12-dodo-gsp/dodo-gassaving-pool @openzeppelin/contracts 4.9.3
fetch sherlock-2023-02-bond sherlock-audit/2023-02-bond 8a326a4b39fdaf9eaf5911cfd3e9676a83c24a58 \
  bonds/lib/clones-with-immutable-args bonds/lib/ds-test bonds/lib/forge-std bonds/lib/openzeppelin-contracts \
  bonds/lib/solmate

# three more Sherlock contests (first run after their labels were committed): Olympus 2023-03 (git submodules), Real
# Wagmi (its package-lock's npm packages), UXD (a Hardhat project: its package-lock's npm packages)
fetch sherlock-2023-03-olympus sherlock-audit/2023-03-olympus fae48b3a40f2a2f4ccf412fbee16aeea5b29c410 \
  sherlock-olympus/lib/ds-test sherlock-olympus/lib/solmate sherlock-olympus/lib/forge-std \
  sherlock-olympus/lib/clones-with-immutable-args
fetch sherlock-2023-10-real-wagmi sherlock-audit/2023-10-real-wagmi b33752757fd6a9f404b8577c1eae6c5774b3a0db \
  wagmi-leverage/lib/forge-std
npm_dep sherlock-2023-10-real-wagmi/wagmi-leverage @openzeppelin/contracts 4.9.3
npm_dep sherlock-2023-10-real-wagmi/wagmi-leverage @uniswap/v3-core 1.0.1
npm_dep sherlock-2023-10-real-wagmi/wagmi-leverage @uniswap/v3-periphery 1.4.3
npm_dep sherlock-2023-10-real-wagmi/wagmi-leverage @uniswap/lib 4.0.1-alpha
npm_dep sherlock-2023-10-real-wagmi/wagmi-leverage @uniswap/v2-core 1.0.1
npm_dep sherlock-2023-10-real-wagmi/wagmi-leverage base64-sol 1.0.1
fetch sherlock-2023-01-uxd sherlock-audit/2023-01-uxd 334b38b582d794c76a2062e672804d99fc24675c
npm_dep sherlock-2023-01-uxd @openzeppelin/contracts 4.7.3
npm_dep sherlock-2023-01-uxd @openzeppelin/contracts-upgradeable 4.7.3
npm_dep sherlock-2023-01-uxd @uniswap/v3-core 1.0.0
npm_dep sherlock-2023-01-uxd @uniswap/v3-periphery 1.4.2
npm_dep sherlock-2023-01-uxd @uniswap/lib 4.0.1-alpha
npm_dep sherlock-2023-01-uxd @uniswap/v2-core 1.0.1
npm_dep sherlock-2023-01-uxd base64-sol 1.0.1

# two more Sherlock contests (first run after their labels were committed): Convergence (a Hardhat project: its
# package-lock's npm packages) and Kyber Swap Elastic (its yarn.lock's OpenZeppelin)
fetch sherlock-2023-11-convergence sherlock-audit/2023-11-convergence e894be3e36614a385cf409dc7e278d5b8f16d6f2
npm_dep sherlock-2023-11-convergence/sherlock-cvg @openzeppelin/contracts 4.9.3
npm_dep sherlock-2023-11-convergence/sherlock-cvg @openzeppelin/contracts-upgradeable 4.9.3
npm_dep sherlock-2023-11-convergence/sherlock-cvg @chainlink/contracts 0.7.1
npm_dep sherlock-2023-11-convergence/sherlock-cvg @uniswap/v3-core 1.0.1
npm_dep sherlock-2023-11-convergence/sherlock-cvg @uniswap/v2-core 1.0.1
npm_dep sherlock-2023-11-convergence/sherlock-cvg @uniswap/v3-periphery 1.4.4
npm_dep sherlock-2023-11-convergence/sherlock-cvg @uniswap/lib 4.0.1-alpha
fetch sherlock-2023-07-kyber-swap sherlock-audit/2023-07-kyber-swap e0cb622e7dacf4e8603507f3ea1c1073f9445dbe
npm_dep sherlock-2023-07-kyber-swap/ks-elastic-sc @openzeppelin/contracts 4.3.1
npm_dep sherlock-2023-07-kyber-swap/ks-elastic-sc @openzeppelin/contracts-upgradeable 4.3.1

# two more Sherlock contests (first run after their labels were committed): Blueberry 2023-04 and OpenQ, Hardhat
# projects with the npm packages their yarn.lock pins
fetch sherlock-2023-04-blueberry sherlock-audit/2023-04-blueberry 96eb1829571dc46e1a387985bd56989702c5e1dc
npm_dep sherlock-2023-04-blueberry/blueberry-core @openzeppelin/contracts 4.7.2
npm_dep sherlock-2023-04-blueberry/blueberry-core @openzeppelin/contracts-upgradeable 4.7.3
npm_dep sherlock-2023-04-blueberry/blueberry-core @chainlink/contracts 0.4.2
npm_dep sherlock-2023-04-blueberry/blueberry-core @uniswap/v2-core 1.0.1
npm_dep sherlock-2023-04-blueberry/blueberry-core @uniswap/v3-core 1.0.1
npm_dep sherlock-2023-04-blueberry/blueberry-core @uniswap/v3-periphery 1.4.3
npm_dep sherlock-2023-04-blueberry/blueberry-core @uniswap/lib 4.0.1-alpha
npm_dep sherlock-2023-04-blueberry/blueberry-core @uniswap/v2-periphery 1.1.0-beta.0
fetch sherlock-2023-02-openq sherlock-audit/2023-02-openq ba7f35654d6fa7637ef0f6db346e851fb978cde2
npm_dep sherlock-2023-02-openq @openzeppelin/contracts 4.7.3
npm_dep sherlock-2023-02-openq @openzeppelin/contracts-upgradeable 4.7.3

# four more Sherlock contests (first run after their labels were committed): DODO margin trading 2023-05 and JOJO
# (package-lock npm packages beside git submodules), Gitcoin Allo v2 (git submodules) and Arrakis (three Hardhat
# projects; @arrakisfi/v2-core from git at the tags their yarn.lock names, it is no longer on npm)
fetch sherlock-2023-05-dodo sherlock-audit/2023-05-dodo 930565dd875dac24609441423c7c76c2ae4719a8 \
  dodo-margin-trading-contracts/lib/forge-std
npm_dep sherlock-2023-05-dodo/dodo-margin-trading-contracts @openzeppelin/contracts 4.8.2
npm_dep sherlock-2023-05-dodo/dodo-margin-trading-contracts @openzeppelin/contracts-upgradeable 4.8.2
fetch sherlock-2023-04-jojo sherlock-audit/2023-04-jojo 6090fef68932b5577abf6b5aa26eb1e579353c57 \
  JUSDV1/lib/forge-std JUSDV1/lib/openzeppelin-contracts JUSDV1/lib/smart-contract-EVM JUSDV1/lib/uniswap-v3-oracle \
  JUSDV1/lib/v3-core smart-contract-EVM/lib/uniswap-v3-oracle
npm_dep sherlock-2023-04-jojo/smart-contract-EVM @openzeppelin/contracts 4.8.2
npm_dep sherlock-2023-04-jojo/smart-contract-EVM @mean-finance/uniswap-v3-oracle 1.0.3
npm_dep sherlock-2023-04-jojo/smart-contract-EVM @uniswap/v3-core 1.0.1
npm_dep sherlock-2023-04-jojo/smart-contract-EVM @uniswap/v3-periphery 1.4.1
fetch sherlock-2023-09-gitcoin sherlock-audit/2023-09-Gitcoin 6430c8004017e96ae2f5aac365bdefd0b6eeea72 \
  allo-v2/lib/forge-std allo-v2/lib/openzeppelin-contracts allo-v2/lib/openzeppelin-contracts-upgradeable \
  allo-v2/lib/solady allo-v2/lib/eas-contracts allo-v2/lib/v2-core allo-v2/lib/permit2
fetch sherlock-2023-06-arrakis sherlock-audit/2023-06-arrakis 9594cf930307ebbfe5cae4f8ad9e9b40b26c9fec
npm_dep sherlock-2023-06-arrakis/v2-core @arrakisfi/v3-lib-0.8 0.1.4
npm_dep sherlock-2023-06-arrakis/v2-core @openzeppelin/contracts 4.6.0
npm_dep sherlock-2023-06-arrakis/v2-core @openzeppelin/contracts-upgradeable 4.6.0
npm_dep sherlock-2023-06-arrakis/v2-core @uniswap/v3-core 1.0.1
git_dep sherlock-2023-06-arrakis/v2-periphery @arrakisfi/v2-core ArrakisFinance/v2-core 5e4237921d31ce384dbb9f5e5e4c68939380cbf7
npm_dep sherlock-2023-06-arrakis/v2-periphery @arrakisfi/v3-lib-0.8 0.1.4
npm_dep sherlock-2023-06-arrakis/v2-periphery @openzeppelin/contracts 4.6.0
npm_dep sherlock-2023-06-arrakis/v2-periphery @openzeppelin/contracts-upgradeable 4.8.1
npm_dep sherlock-2023-06-arrakis/v2-periphery @uniswap/v3-core 1.0.1
git_dep sherlock-2023-06-arrakis/v2-manager-templates @arrakisfi/v2-core ArrakisFinance/v2-core 6f4360d7554fbb1484c6e0af63f9579d4092aa23
npm_dep sherlock-2023-06-arrakis/v2-manager-templates @arrakisfi/v3-lib-0.8 0.1.4
npm_dep sherlock-2023-06-arrakis/v2-manager-templates @openzeppelin/contracts 4.8.0
npm_dep sherlock-2023-06-arrakis/v2-manager-templates @openzeppelin/contracts-upgradeable 4.8.0
npm_dep sherlock-2023-06-arrakis/v2-manager-templates @uniswap/v3-core 1.0.1

# three more Sherlock contests (first run after their labels were committed): Covalent (its package-lock's
# OpenZeppelin), Flat Money and Bond options 2023-06 (git submodules)
fetch sherlock-2023-11-covalent sherlock-audit/2023-11-covalent 218d4a583286fa0d3d4263151a927f6cc9465b62
npm_dep sherlock-2023-11-covalent/cqt-staking @openzeppelin/contracts 4.7.2
npm_dep sherlock-2023-11-covalent/cqt-staking @openzeppelin/contracts-upgradeable 4.7.2
fetch sherlock-2023-12-flatmoney sherlock-audit/2023-12-flatmoney bba4f077a64f43fbd565f8983388d0e985cb85db \
  flatcoin-v1/lib/forge-std flatcoin-v1/lib/openzeppelin-contracts flatcoin-v1/lib/openzeppelin-contracts-upgradeable \
  flatcoin-v1/lib/pyth-sdk-solidity
fetch sherlock-2023-06-bond-options sherlock-audit/2023-06-bond fce1809f83728561dc75078d41ead6d60e15d065 \
  options/lib/forge-std options/lib/solmate

# two more Sherlock contests (first run after their labels were committed): Teller v2 (its yarn.lock's OpenZeppelin
# beside a forge-std submodule) and Symmetrical (no lock file: the OpenZeppelin 4.9 release of the contest's week)
fetch sherlock-2023-03-teller sherlock-audit/2023-03-teller 9ba2598c2f386e9138cacc11a31b1b193cfd7aa3 \
  teller-protocol-v2/packages/contracts/lib/forge-std
npm_dep sherlock-2023-03-teller/teller-protocol-v2/packages/contracts @openzeppelin/contracts 4.8.1
npm_dep sherlock-2023-03-teller/teller-protocol-v2/packages/contracts @openzeppelin/contracts-upgradeable 4.8.1
fetch sherlock-2023-06-symmetrical sherlock-audit/2023-06-symmetrical 6d2b64b6732fcfbd07c8217897dd233dbb6cd1f5
npm_dep sherlock-2023-06-symmetrical/symmio-core @openzeppelin/contracts 4.9.1

# two more Sherlock contests (first run after their labels were committed): Derby 2023-01 (a Hardhat project with
# its package-lock's OpenZeppelin and hardhat/console.sol) and LooksRare Infiltration 2023-10 (its yarn.lock's packages,
# the two @looksrare ones from git at the tags the lock names, as npm no longer has them, beside a forge-std submodule)
fetch sherlock-2023-01-derby sherlock-audit/2023-01-derby 0b520498fc14be28d158ec7dcc5d1d832570b1d1
npm_dep sherlock-2023-01-derby/derby-yield-optimiser @openzeppelin/contracts 4.7.3
npm_dep sherlock-2023-01-derby/derby-yield-optimiser hardhat 2.11.1
fetch sherlock-2023-10-looksrare sherlock-audit/2023-10-looksrare 86e8a3a6d7880af0dc2ca03bf3eb31bc0a10a552 \
  contracts-infiltration/lib/forge-std
npm_dep sherlock-2023-10-looksrare/contracts-infiltration @openzeppelin/contracts 5.0.0
npm_dep sherlock-2023-10-looksrare/contracts-infiltration @chainlink/contracts 0.6.1
git_dep sherlock-2023-10-looksrare/contracts-infiltration @looksrare/contracts-libs LooksRare/contracts-libs 48815b7490a6e5bd76e9c351255c2d504e9f3cb5
git_dep sherlock-2023-10-looksrare/contracts-infiltration @looksrare/contracts-transfer-manager LooksRare/contracts-transfer-manager d5a02a5dbb4e103fe155e52531482b5109a3097e
npm_dep sherlock-2023-10-looksrare/contracts-infiltration erc721a 4.2.3

# two more Sherlock contests (first run after their labels were committed): GFX 2023-06 (Uniswap v3 limit orders: git
# submodules; Chainlink's submodule is too large to mirror, so its contracts come from Chainlink's brownie package of
# the same months, whose contracts/src/v0.8 tree is the same) and Ubiquity 2023-12 (git submodules)
fetch sherlock-2023-06-gfx sherlock-audit/2023-06-gfx 59a83c6423834b9173b9c063ec1e505c5d9f1bbb \
  uniswap-v3-limit-orders/lib/forge-std uniswap-v3-limit-orders/lib/openzeppelin-contracts uniswap-v3-limit-orders/lib/solmate
git_into sherlock-2023-06-gfx uniswap-v3-limit-orders/lib/chainlink smartcontractkit/chainlink-brownie-contracts c6d0ca512f1b09d93bc81415d246dbee7e5c6894
fetch sherlock-2023-12-ubiquity sherlock-audit/2023-12-ubiquity d9c39e8dfd5601e7e8db2e4b3390e7d8dff42a8e \
  ubiquity-dollar/packages/contracts/lib/forge-std ubiquity-dollar/packages/contracts/lib/openzeppelin-contracts \
  ubiquity-dollar/packages/contracts/lib/openzeppelin-contracts-upgradeable ubiquity-dollar/packages/contracts/lib/Uniswap/v2-core \
  ubiquity-dollar/packages/contracts/lib/Uniswap/v2-periphery ubiquity-dollar/packages/contracts/lib/Uniswap/v3-periphery \
  ubiquity-dollar/packages/contracts/lib/solidity-linked-list ubiquity-dollar/packages/contracts/lib/abdk-libraries-solidity \
  ubiquity-dollar/packages/contracts/lib/operator-filter-registry ubiquity-dollar/packages/contracts/lib/chainlink-brownie-contracts

# two more Sherlock contests (first run after their labels were committed): Iron Bank 2023-05 (git submodules;
# Chainlink's contracts from its brownie package, as for GFX) and Napier 2024-01 (two Foundry projects; v1-pool keeps a
# copy of napier-v1 whose own submodules its .gitmodules does not list, so they are checked out at the commits pinned)
fetch sherlock-2023-05-ironbank sherlock-audit/2023-05-ironbank 9ebf1702b2163b55479624794ab7999392367d2a \
  ib-v2/lib/forge-std ib-v2/lib/openzeppelin-contracts ib-v2/lib/openzeppelin-contracts-upgradeable ib-v2/lib/v2-core \
  ib-v2/lib/v2-periphery
git_into sherlock-2023-05-ironbank ib-v2/lib/chainlink smartcontractkit/chainlink-brownie-contracts c6d0ca512f1b09d93bc81415d246dbee7e5c6894
fetch sherlock-2024-01-napier sherlock-audit/2024-01-napier 6313f34110b0d12677b389f0ecb3197038211e12 \
  napier-v1/lib/openzeppelin-contracts napier-v1/lib/forge-std napier-v1/lib/hardhat-deployer v1-pool/lib/prb-math \
  v1-pool/lib/openzeppelin-contracts v1-pool/lib/tricrypto-ng v1-pool/lib/forge-std v1-pool/lib/hardhat-deployer
git_into sherlock-2024-01-napier v1-pool/lib/napier-v1/lib/openzeppelin-contracts OpenZeppelin/openzeppelin-contracts fd81a96f01cc42ef1c9a5399364968d0e07e9e90
git_into sherlock-2024-01-napier v1-pool/lib/napier-v1/lib/forge-std foundry-rs/forge-std 74cfb77e308dd188d2f58864aaf44963ae6b88b1
git_into sherlock-2024-01-napier v1-pool/lib/napier-v1/lib/hardhat-deployer napierfi/hardhat-deployer b73c7244fad3a1599ef49ac28f5b9d662b1597a4

# three more Sherlock contests (first run after their labels were committed): Jala Swap 2024-02 (a forge-std
# submodule and its yarn.lock's OpenZeppelin), Goat Trading 2024-03 (git submodules) and Winnables 2024-08 (a Hardhat
# project with its yarn.lock's packages)
fetch sherlock-2024-02-jala-swap sherlock-audit/2024-02-jala-swap 030d3ed54214754301154bce0e58ea534100a7e3 \
  jalaswap-dex-contract/lib/forge-std
npm_dep sherlock-2024-02-jala-swap/jalaswap-dex-contract @openzeppelin/contracts 4.9.3
fetch sherlock-2024-03-goat-trading sherlock-audit/2024-03-goat-trading beb09519ad0c0ec0fdf5b96060fe5e4aafd71cff \
  goat-trading/lib/openzeppelin-contracts
fetch sherlock-2024-08-winnables-raffles sherlock-audit/2024-08-winnables-raffles 81b28633d0f450e33a8b32976e17122418f5d47e
npm_dep sherlock-2024-08-winnables-raffles/public-contracts @openzeppelin/contracts 4.8.3
npm_dep sherlock-2024-08-winnables-raffles/public-contracts @chainlink/contracts 0.6.1
npm_dep sherlock-2024-08-winnables-raffles/public-contracts @chainlink/contracts-ccip 1.2.1
npm_dep sherlock-2024-08-winnables-raffles/public-contracts hardhat 2.22.2

# three more Sherlock contests (first run after their labels were committed): Telcoin 2024-01 (no lock file: the
# OpenZeppelin 5.0 release of its package.json), Gamma staking 2024-05 and Titles 2024-04 (git submodules)
fetch sherlock-2024-01-telcoin sherlock-audit/2024-01-telcoin 0954297f4fefac82d45a79c73f3a4b8eb25f10e9
npm_dep sherlock-2024-01-telcoin/telcoin-audit @openzeppelin/contracts 5.0.1
npm_dep sherlock-2024-01-telcoin/telcoin-audit @openzeppelin/contracts-upgradeable 5.0.1
fetch sherlock-2024-05-gamma-staking sherlock-audit/2024-05-gamma-staking 703fd3604069489937037f20490ec8c492c0508e \
  StakingV2/lib/forge-std StakingV2/lib/openzeppelin-contracts StakingV2/lib/openzeppelin-contracts-upgradeable
fetch sherlock-2024-04-titles sherlock-audit/2024-04-titles d7f60952df22da00b772db5d3a8272a988546089 \
  wallflower-contract-v2/lib/forge-std wallflower-contract-v2/lib/solady wallflower-contract-v2/lib/openzeppelin-contracts \
  wallflower-contract-v2/lib/solmate wallflower-contract-v2/lib/splits-contracts-monorepo

# three more Sherlock contests (first run after their labels were committed): MagicSea 2024-06 and Velocimeter 2024-06
# (git submodules) and Midas 2024-05 (a Hardhat project with its yarn.lock's packages)
fetch sherlock-2024-06-magicsea sherlock-audit/2024-06-magicsea 42e799446595c542eff9519353d3becc50cdba63 \
  magicsea-staking/lib/forge-std magicsea-staking/lib/openzeppelin-contracts \
  magicsea-staking/lib/openzeppelin-contracts-upgradeable magicsea-staking/lib/solmate magicsea-staking/lib/joe-v2
fetch sherlock-2024-06-velocimeter sherlock-audit/2024-06-velocimeter 63818925987a5115a80eff4bd12578146a844cfd \
  v4-contracts/lib/ds-test v4-contracts/lib/forge-std v4-contracts/lib/solmate v4-contracts/lib/openzeppelin-contracts
fetch sherlock-2024-05-midas sherlock-audit/2024-05-midas a4a3cc23bb891913ce44665a4cdea9f5c1190f6c
npm_dep sherlock-2024-05-midas/midas-contracts @openzeppelin/contracts 4.8.3
npm_dep sherlock-2024-05-midas/midas-contracts @openzeppelin/contracts-upgradeable 4.9.0
npm_dep sherlock-2024-05-midas/midas-contracts @chainlink/contracts 0.6.1

# two more Sherlock contests (first run after their labels were committed): Smilee 2024-02 (git submodules; its
# fuzzing harness's chimera is left out: only tests import it; solstat's own solmate is) and xkeeper 2024-04 (its yarn.lock's OpenZeppelin)
fetch sherlock-2024-02-smilee-finance sherlock-audit/2024-02-smilee-finance 3241f1bf0c8e951a41dd2e51997f64ef3ec017bd \
  smilee-v2-contracts/lib/forge-std smilee-v2-contracts/lib/openzeppelin-contracts smilee-v2-contracts/lib/v3-periphery \
  smilee-v2-contracts/lib/v3-core smilee-v2-contracts/lib/solstat smilee-v2-contracts/lib/prb-math \
  smilee-v2-contracts/lib/chainlink-brownie-contracts smilee-v2-contracts/lib/solstat:lib/solmate
fetch sherlock-2024-04-xkeeper sherlock-audit/2024-04-xkeeper b82de26633c1904ccfb3c121497845128f1c5c5f
npm_dep sherlock-2024-04-xkeeper/xkeeper-core @openzeppelin/contracts 4.9.3

# two more Sherlock contests (first run after their labels were committed): Predict.fun 2024-09 (git submodules and
# its yarn.lock's OpenZeppelin 5) and Saffron 2024-08 (a Hardhat project with its yarn.lock's packages)
fetch sherlock-2024-09-predict-fun sherlock-audit/2024-09-predict-fun 41e70f9eed3f00dd29aba4038544150f5b35dccb \
  predict-dot-loan/lib/forge-std predict-dot-loan/lib/ds-test
npm_dep sherlock-2024-09-predict-fun/predict-dot-loan @openzeppelin/contracts 5.0.2
fetch sherlock-2024-08-saffron-finance sherlock-audit/2024-08-saffron-finance 38dd9c8436db341c331f1b14545770c1766fc0ee
npm_dep sherlock-2024-08-saffron-finance/lido-fiv @openzeppelin/contracts 4.9.5
npm_dep sherlock-2024-08-saffron-finance/lido-fiv hardhat 2.19.2

# one more Sherlock contest (first run after its labels were committed): Midas' minter and redeemer 2024-08, the next
# version of the Midas vaults of 2024-05 (a Hardhat project with its yarn.lock's packages)
fetch sherlock-2024-08-midas-minter-redeemer sherlock-audit/2024-08-midas-minter-redeemer 52b77ba39be51f18a5b0736dfbe7f2acbbeba6e3
npm_dep sherlock-2024-08-midas-minter-redeemer/midas-contracts @openzeppelin/contracts 4.8.3
npm_dep sherlock-2024-08-midas-minter-redeemer/midas-contracts @openzeppelin/contracts-upgradeable 4.9.0
npm_dep sherlock-2024-08-midas-minter-redeemer/midas-contracts @chainlink/contracts 0.6.1
npm_dep sherlock-2024-08-midas-minter-redeemer/midas-contracts hardhat 2.12.1

# seven more Sherlock contests (first run after their labels were committed): Aegis 2025-04, LayerEdge 2025-05, Rova
# 2025-02 and Superfluid's locker 2024-11 (git submodules), Allbridge's yield 2025-07 and Oku's order types 2025-07
# (Hardhat projects with their lockfiles' packages; Oku vendors its OpenZeppelin), Plaza 2024-12 (git submodules;
# Chainlink's monorepo is too large to mirror, so its contracts come from Chainlink's npm package)
fetch sherlock-2025-04-aegis sherlock-audit/2025-04-aegis-op-grant 4aceb235db96b2299bb95ebf16e83a24f987bf3e
npm_dep sherlock-2025-04-aegis/aegis-contracts @openzeppelin/contracts 5.0.2
npm_dep sherlock-2025-04-aegis/aegis-contracts @chainlink/contracts 1.3.0
npm_dep sherlock-2025-04-aegis/aegis-contracts hardhat 2.22.5
fetch sherlock-2025-05-layeredge sherlock-audit/2025-05-layeredge 708c5b5345ed50cd0bde7b0a8a548c8936639683 \
  edgen-staking/lib/forge-std edgen-staking/lib/openzeppelin-contracts edgen-staking/lib/openzeppelin-contracts-upgradeable \
  edgen-staking/lib/solady
fetch sherlock-2025-02-rova sherlock-audit/2025-02-rova 53fb6d71d253676bfbd00926e8f217f40c62d8c5 \
  rova-contracts/lib/forge-std rova-contracts/lib/openzeppelin-contracts-upgradeable \
  rova-contracts/lib/openzeppelin-contracts-upgradeable:lib/openzeppelin-contracts
fetch sherlock-2024-11-superfluid-locker sherlock-audit/2024-11-superfluid-locking-contract 1fa5f86024be5f269e1a0898b1f939f1d4cce149 \
  fluid/packages/contracts/lib/forge-std fluid/packages/contracts/lib/openzeppelin-contracts-v4 \
  fluid/packages/contracts/lib/openzeppelin-contracts-v5 fluid/packages/contracts/lib/openzeppelin-contracts-upgradeable \
  fluid/packages/contracts/lib/solady fluid/packages/contracts/lib/superfluid-protocol-monorepo
fetch sherlock-2025-07-allbridge-yield sherlock-audit/2025-07-allbridge-core-yield a14f35e01b9bf8f4e5ad2b5ce1ff61dd59941e16
npm_dep sherlock-2025-07-allbridge-yield/core-auto-evm-contracts @openzeppelin/contracts 4.9.6
npm_dep sherlock-2025-07-allbridge-yield/core-auto-evm-contracts hardhat 2.22.5
fetch sherlock-2025-07-oku sherlock-audit/2025-07-oku-trade-order-types 0c17cd6ff7dc313b7ddebe6811bacffe4de43756
npm_dep sherlock-2025-07-oku/oku-custom-order-types hardhat 2.22.5
fetch sherlock-2024-12-plaza sherlock-audit/2024-12-plaza-finance 14a962c52a8f4731bbe4655a2f6d0d85e144c7c2 \
  plaza-evm/lib/forge-std plaza-evm/lib/openzeppelin-contracts-upgradeable \
  plaza-evm/lib/openzeppelin-contracts-upgradeable:lib/openzeppelin-contracts plaza-evm/lib/v3-core \
  plaza-evm/lib/v3-periphery plaza-evm/lib/create3 plaza-evm/lib/balancer-v2-monorepo
npm_into sherlock-2024-12-plaza plaza-evm/lib/chainlink/contracts @chainlink/contracts 1.3.0

# two more Sherlock contests (first run after their labels were committed): Autonomint 2024-11 (a Hardhat project with
# its yarn.lock's packages — LayerZero 3.0.1 is no longer on npm, so 2.3.44, the version of its OApp package — and the
# LayerZero fork it takes from git) and Usual's ETH0 2025-05 (git submodules)
fetch sherlock-2024-11-autonomint sherlock-audit/2024-11-autonomint 0d324e04d4c0ca306e1ae4d4c65f0cb9d681751b
npm_dep sherlock-2024-11-autonomint/Blockchain/Blockchian @openzeppelin/contracts 5.0.2
npm_dep sherlock-2024-11-autonomint/Blockchain/Blockchian @openzeppelin/contracts-upgradeable 5.0.2
npm_dep sherlock-2024-11-autonomint/Blockchain/Blockchian @layerzerolabs/lz-evm-oapp-v2 2.3.44
npm_dep sherlock-2024-11-autonomint/Blockchain/Blockchian @layerzerolabs/lz-evm-protocol-v2 2.3.44
npm_dep sherlock-2024-11-autonomint/Blockchain/Blockchian @layerzerolabs/lz-evm-messagelib-v2 2.3.44
npm_dep sherlock-2024-11-autonomint/Blockchain/Blockchian @chainlink/contracts 1.2.0
npm_dep sherlock-2024-11-autonomint/Blockchain/Blockchian solidity-bytes-utils 0.8.2
npm_dep sherlock-2024-11-autonomint/Blockchain/Blockchian hardhat 2.22.12
git_dep sherlock-2024-11-autonomint/Blockchain/Blockchian layerzero-v2 Autonomint/LayerZero-v2 b950c601e9b9e05e79cb232e2424137f1d48bc5f
fetch sherlock-2025-05-usual-eth0 sherlock-audit/2025-05-usual-eth0 995d35f32c762aec7f678292b8702bc71aec1247 \
  eth0-protocol/lib/forge-std eth0-protocol/lib/openzeppelin-contracts eth0-protocol/lib/openzeppelin-contracts-upgradeable

# one more Sherlock contest (first run after its labels were committed): Debita V3 2024-11 (git submodules, and its
# package-lock.json's Pyth SDK)
fetch sherlock-2024-11-debita-v3 sherlock-audit/2024-11-debita-finance-v3 376fec45be95bd4bbc929fd37b485076b03ab8b0 \
  Debita-V3-Contracts/lib/forge-std Debita-V3-Contracts/lib/openzeppelin-contracts Debita-V3-Contracts/lib/foundry-chainlink-toolkit
npm_dep sherlock-2024-11-debita-v3/Debita-V3-Contracts @pythnetwork/pyth-sdk-solidity 4.0.0

# one more Sherlock contest (first run after its labels were committed): Numa 2024-12 (a Hardhat and Foundry project
# without a lockfile: the lowest versions its package.json ranges allow; Uniswap v3 periphery from its 0.8 branch, as
# package.json takes it from git; OpenZeppelin 5.0.2 also under the alias its imports use)
fetch sherlock-2024-12-numa sherlock-audit/2024-12-numa-audit ae1d7781efb4cb2c3a40c642887ddadeecabb97d Numa/lib/forge-std
npm_dep sherlock-2024-12-numa/Numa @openzeppelin/contracts 5.0.2
npm_into sherlock-2024-12-numa Numa/node_modules/@openzeppelin/contracts_5.0.2 @openzeppelin/contracts 5.0.2
npm_dep sherlock-2024-12-numa/Numa @openzeppelin/contracts-upgradeable 4.9.3
npm_dep sherlock-2024-12-numa/Numa @chainlink/contracts 0.8.0
npm_dep sherlock-2024-12-numa/Numa @uniswap/v3-core 1.0.2-solc-0.8-simulate
npm_dep sherlock-2024-12-numa/Numa hardhat 2.22.15
git_dep sherlock-2024-12-numa/Numa @uniswap/v3-periphery Uniswap/v3-periphery b325bb0905d922ae61fcc7df85ee802e8df5e96c

# one more Sherlock contest (first run after its labels were committed): Teller Finance update 2024-11 (the code of
# Teller 2023-03 a year and a half on, with a lending-pool extension; a Yarn workspace: OpenZeppelin at its yarn.lock's
# versions, in the contracts package's node_modules as for Teller 2023-03)
fetch sherlock-2024-11-teller-update sherlock-audit/2024-11-teller-finance-update 0c8535728f97d37a4052d2a25909d28db886a422 \
  teller-protocol-v2-audit-2024/packages/contracts/lib/forge-std
npm_dep sherlock-2024-11-teller-update/teller-protocol-v2-audit-2024/packages/contracts @openzeppelin/contracts 4.8.1
npm_dep sherlock-2024-11-teller-update/teller-protocol-v2-audit-2024/packages/contracts @openzeppelin/contracts-upgradeable 4.8.1

# one more Sherlock contest (scope: the src/ files of README.md's "Audit scope"): PoolTogether 2024-05 (seven Foundry
# projects, each with its own lib/ submodules; nested pt-v5-prize-pool / pt-v5-draw-manager copies bring their own lib/)
fetch sherlock-2024-05-pooltogether sherlock-audit/2024-05-pooltogether 1aa1b8c028b659585e4c7a6b9b652fb075f86db3 \
  pt-v5-prize-pool/lib/openzeppelin-contracts pt-v5-prize-pool/lib/prb-math pt-v5-prize-pool/lib/ring-buffer-lib \
  pt-v5-prize-pool/lib/uniform-random-number pt-v5-prize-pool/lib/pt-v5-twab-controller \
  pt-v5-twab-controller/lib/openzeppelin-contracts pt-v5-twab-controller/lib/ring-buffer-lib \
  pt-v5-draw-manager/lib/openzeppelin-contracts pt-v5-draw-manager/lib/prb-math pt-v5-draw-manager/lib/pt-v5-prize-pool \
  pt-v5-draw-manager/lib/pt-v5-prize-pool:lib/ring-buffer-lib pt-v5-draw-manager/lib/pt-v5-prize-pool:lib/uniform-random-number \
  pt-v5-draw-manager/lib/pt-v5-prize-pool:lib/pt-v5-twab-controller \
  pt-v5-claimer/lib/openzeppelin-contracts pt-v5-claimer/lib/prb-math pt-v5-claimer/lib/solmate \
  pt-v5-claimer/lib/pt-v5-claimable-interface pt-v5-claimer/lib/pt-v5-prize-pool \
  pt-v5-claimer/lib/pt-v5-prize-pool:lib/ring-buffer-lib pt-v5-claimer/lib/pt-v5-prize-pool:lib/uniform-random-number \
  pt-v5-claimer/lib/pt-v5-prize-pool:lib/pt-v5-twab-controller \
  pt-v5-tpda-liquidator/lib/openzeppelin-contracts pt-v5-tpda-liquidator/lib/pt-v5-liquidator-interfaces \
  pt-v5-rng-witnet/lib/witnet-solidity-bridge pt-v5-rng-witnet/lib/pt-v5-draw-manager \
  pt-v5-rng-witnet/lib/pt-v5-draw-manager:lib/openzeppelin-contracts pt-v5-rng-witnet/lib/pt-v5-draw-manager:lib/prb-math \
  pt-v5-rng-witnet/lib/pt-v5-draw-manager:lib/pt-v5-prize-pool \
  pt-v5-rng-witnet/lib/pt-v5-draw-manager/lib/pt-v5-prize-pool:lib/ring-buffer-lib \
  pt-v5-rng-witnet/lib/pt-v5-draw-manager/lib/pt-v5-prize-pool:lib/uniform-random-number \
  pt-v5-rng-witnet/lib/pt-v5-draw-manager/lib/pt-v5-prize-pool:lib/pt-v5-twab-controller \
  pt-v5-vault/lib/openzeppelin-contracts pt-v5-vault/lib/owner-manager-contracts pt-v5-vault/lib/pt-v5-liquidator-interfaces \
  pt-v5-vault/lib/pt-v5-claimable-interface pt-v5-vault/lib/pt-v5-prize-pool pt-v5-vault/lib/pt-v5-twab-controller \
  pt-v5-vault/lib/pt-v5-prize-pool:lib/prb-math pt-v5-vault/lib/pt-v5-prize-pool:lib/ring-buffer-lib \
  pt-v5-vault/lib/pt-v5-prize-pool:lib/uniform-random-number pt-v5-vault/lib/pt-v5-twab-controller:lib/ring-buffer-lib

# three more Sherlock contests (first runs after their labels were committed): Exactly's staking 2024-07 (a Hardhat
# project: OpenZeppelin 5 and, under the aliases its package.json names, 4.9; solmate from its v7 branch, as
# package.json takes it from git), WOOFi swap 2024-03 (a Hardhat project at its yarn.lock's versions) and Mellow's
# LRT 2024-06 (a Foundry project with submodules)
fetch sherlock-2024-07-exactly sherlock-audit/2024-07-exactly-stacking-contracts 3eb87e3edf3bcd57c4cc1c6a73e8255f575b76de
npm_dep sherlock-2024-07-exactly/protocol @openzeppelin/contracts 5.0.2
npm_dep sherlock-2024-07-exactly/protocol @openzeppelin/contracts-upgradeable 5.0.2
npm_into sherlock-2024-07-exactly protocol/node_modules/@openzeppelin/contracts-v4 @openzeppelin/contracts 4.9.6
npm_into sherlock-2024-07-exactly protocol/node_modules/@openzeppelin/contracts-upgradeable-v4 @openzeppelin/contracts-upgradeable 4.9.6
git_dep sherlock-2024-07-exactly/protocol solmate transmissions11/solmate eaa7041378f9a6c12f943de08a6c41b31a9870fc
fetch sherlock-2024-03-woofi sherlock-audit/2024-03-woofi-swap 65185691c91541e33f84b77d4c6290182f137092
npm_dep sherlock-2024-03-woofi/WooPoolV2 @openzeppelin/contracts 4.9.3
npm_dep sherlock-2024-03-woofi/WooPoolV2 @uniswap/v3-periphery 1.4.4
npm_dep sherlock-2024-03-woofi/WooPoolV2 @uniswap/v3-core 1.0.1
npm_dep sherlock-2024-03-woofi/WooPoolV2 @layerzerolabs/solidity-examples 0.0.13
fetch sherlock-2024-06-mellow sherlock-audit/2024-06-mellow 26aa0445ec405a4ad637bddeeedec4efe1eba8d2 \
  mellow-lrt/lib/openzeppelin-contracts

# two more Sherlock contests (first runs after their labels were committed): Axis Finance 2024-03 (a Foundry project
# with submodules) and Amphor's asynchronous vault 2024-03 (a Foundry project whose OpenZeppelin comes from the
# upgradeable package's own nested submodule, as its remappings say)
fetch sherlock-2024-03-axis sherlock-audit/2024-03-axis-finance cadf331f12b485bac184111cdc9ba1344d9fbf01 \
  moonraker/lib/solady moonraker/lib/solmate moonraker/lib/prb-math
fetch sherlock-2024-03-amphor sherlock-audit/2024-03-amphor 6c797025ffe296e04607abf74400ff2bb36a7de3 \
  asynchronous-vault/lib/openzeppelin-contracts asynchronous-vault/lib/openzeppelin-contracts-upgradeable \
  asynchronous-vault/lib/openzeppelin-contracts-upgradeable:lib/openzeppelin-contracts

# three more Sherlock contests (first runs after their labels were committed): Zap Protocol 2024-03 (two Hardhat
# projects side by side, each with its package-lock.json's versions), Sophon's farming 2024-05 (a Foundry and
# Hardhat project without a lockfile: the lowest version its range allows), and RadicalxChange's PCO art 2024-02 (a
# Hardhat project at its yarn.lock's versions)
fetch sherlock-2024-03-zap sherlock-audit/2024-03-zap-protocol c2ad35aa844899fa24f6ed0cbfcf6c7e611b061a
npm_dep sherlock-2024-03-zap/zap-contracts-labs @openzeppelin/contracts 4.6.0
npm_dep sherlock-2024-03-zap/zap-contracts-labs @chainlink/contracts 0.2.1
npm_dep sherlock-2024-03-zap/zap-launches-contracts @openzeppelin/contracts 4.6.0
npm_dep sherlock-2024-03-zap/zap-launches-contracts @chainlink/contracts 0.2.1
fetch sherlock-2024-05-sophon sherlock-audit/2024-05-sophon 05059e53755f24ae9e3a3bb2996de15df0289a6c
npm_dep sherlock-2024-05-sophon/farming-contracts @openzeppelin/contracts 5.0.2
fetch sherlock-2024-02-radicalxchange sherlock-audit/2024-02-radicalxchange 459dfbfa73f74ed3422e894f6ff5fe2bbed146dd
npm_dep sherlock-2024-02-radicalxchange/pco-art @solidstate/contracts 0.0.58

# two more Sherlock contests (first runs after their labels were committed): Zivoe 2024-03 (a Foundry project that
# imports its OpenZeppelin submodule by relative paths) and Union Finance's update 2024-06 (a Hardhat and Foundry
# project at its yarn.lock's versions)
fetch sherlock-2024-03-zivoe sherlock-audit/2024-03-zivoe d4111645b19a1ad3ccc899bea073b6f19be04ccd \
  zivoe-core-foundry/lib/openzeppelin-contracts
fetch sherlock-2024-06-union sherlock-audit/2024-06-union-finance-update-2 7ffe43f68a1b8e8de1dfd9de5a4d89c90fd6f710
npm_dep sherlock-2024-06-union/union-v2-contracts @openzeppelin/contracts 4.9.6
npm_dep sherlock-2024-06-union/union-v2-contracts @openzeppelin/contracts-upgradeable 4.9.6
npm_dep sherlock-2024-06-union/union-v2-contracts @eth-optimism/contracts 0.5.40

# The Cyfrin security course's codebases at the commits of their own audit reports (audit-data branches)
fetch cyfrin-passwordstore Cyfrin/3-passwordstore-audit 5a5712a1a4490ffa708f04a6b52bd8dd4e71af9b
fetch cyfrin-puppy-raffle Cyfrin/4-puppy-raffle-audit 1f3daa98de141d468b62835a7ecf1ddb64b651ec \
  lib/openzeppelin-contracts lib/base64
fetch cyfrin-t-swap Cyfrin/5-t-swap-audit 0290e26e6b0eb0710282ed91cf74213745c97e1f \
  lib/forge-std lib/openzeppelin-contracts
fetch cyfrin-thunder-loan Cyfrin/6-thunder-loan-audit 20f617f880ab7eb65b09beb542273a367ef094f1 \
  lib/openzeppelin-contracts lib/openzeppelin-contracts-upgradeable
fetch cyfrin-boss-bridge Cyfrin/7-boss-bridge-audit 7ec1e8602ecd5c406e4f0537f830bfde25fa3c00 \
  lib/openzeppelin-contracts
fetch cyfrin-vault-guardians Cyfrin/8-vault-guardians-audit 0600272180b6b6103f523b0ef65b070064158303 \
  lib/openzeppelin-contracts

# Audited code for false positives (no labels: every medium/high finding is read as a false positive)
fetch audited/uniswap-v2-core Uniswap/v2-core ee547b17853e71ed4e0101ccfd52e70d5acded58
fetch audited/uniswap-v3-core Uniswap/v3-core d8b1c635c275d2a9450bd6a78f3fa2484fef73eb
fetch audited/safe-smart-account safe-global/safe-smart-account c35264b99a389254a25f589c8271394ba5db7f38
fetch audited/solmate transmissions11/solmate 89365b880c4f3c786bdd453d4b8e8fe410344a69
fetch audited/solady Vectorized/solady ab96a830e705de13e0f58cfaefadab4ac8257655

echo "done: $dest (labels: bench/audit/labels/; run npm run bench:audit)"
