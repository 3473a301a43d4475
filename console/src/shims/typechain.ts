/**
 * lib/typechain.ts for the browser bundle: the same `typechain()` accessor, over a static import of the generated
 * bindings (Vite bundles them; in Node the lazy `require` lets a clean checkout compile first). Aliased in
 * console/vite.shims.mts for the importers of lib/typechain.
 */
import * as Typechain from "../../../typechain-types";

export function typechain(): typeof Typechain {
  return Typechain;
}
