// Times the verification microbenchmark (wasm, release, wasm-opt) under Node: a warm-up,
// then RUNS runs of ITERATIONS verifications each; prints JSON with the median ns per
// verification. Run by `cargo xtask bench` with VERIFY_WASM set to the wasm-bindgen output.
import { createRequire } from "node:module";
import { createHash } from "node:crypto";

const require = createRequire(import.meta.url);
const { verify_many } = require(process.env.VERIFY_WASM);

const sid = "TGSID7Kdo78noNisU1pGoydvnd3";
const token = "tgat_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf2WUFgw";
const header = "Basic " + Buffer.from(`${sid}:${token}`).toString("base64");
const digest = createHash("sha256").update(token).digest("hex");

const ITERATIONS = 20000;
const RUNS = 9;
if (verify_many(header, digest, 1000) !== 1000) {
  throw new Error("the microbenchmark does not verify the known token");
}
const each = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  const ok = verify_many(header, digest, ITERATIONS);
  const ms = performance.now() - t0;
  if (ok !== ITERATIONS) throw new Error(`only ${ok} of ${ITERATIONS} verified`);
  each.push((ms * 1e6) / ITERATIONS);
}
each.sort((a, b) => a - b);
console.log(JSON.stringify({
  node: process.version,
  iterations: ITERATIONS,
  runs: RUNS,
  ns_per_verification: each[Math.floor(RUNS / 2)],
  each_ns: each.map((x) => Math.round(x)),
}));
