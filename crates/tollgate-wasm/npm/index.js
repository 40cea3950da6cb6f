// @tollgate/core for browsers (and bundlers): call `await init()` once, then use the
// functions. `mountTokenManager` loads the admin app's own WebAssembly on first use, so
// pages that only validate never download it.
export { default } from "./tollgate_wasm.js";
export * from "./tollgate_wasm.js";
export * from "./list.js";

let manager;

function loadManager() {
  manager ??= import("./manager/tollgate_web.js").then(async (m) => {
    await m.default({ module_or_path: new URL("./manager/tollgate_web_bg.wasm", import.meta.url) });
    return m;
  });
  return manager;
}

export async function mountTokenManager(element, options = {}) {
  if (!(element instanceof HTMLElement)) {
    throw new TypeError("mountTokenManager needs an HTMLElement to mount into");
  }
  const m = await loadManager();
  // Its stylesheet and translations sit beside its wasm.
  return m.mountTokenManager(element, { ...options, assetBase: new URL("./manager/", import.meta.url).href });
}
