// @tollgate/core for Node.js: the same functions as in browsers; `await init()` reads the
// WebAssembly file next to this one (browsers fetch it instead).
import { readFile } from "node:fs/promises";
import wasmInit from "./tollgate_wasm.js";

export { initSync } from "./tollgate_wasm.js";
export * from "./tollgate_wasm.js";
export * from "./list.js";

export default async function init(input) {
  if (input === undefined) {
    input = { module_or_path: await readFile(new URL("./tollgate_wasm_bg.wasm", import.meta.url)) };
  }
  return wasmInit(input);
}

export async function mountTokenManager() {
  throw new Error("mountTokenManager needs a browser: it mounts the token manager into a page's element");
}
