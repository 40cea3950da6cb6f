// Loads the admin app's WebAssembly and mounts it. (A file, not an inline script, so the
// Content-Security-Policy can allow scripts from 'self' only.)
import init, { mountApp } from "/pkg/tollgate_web.js";

await init({ module_or_path: "/pkg/tollgate_web_bg.wasm" });
await mountApp();
