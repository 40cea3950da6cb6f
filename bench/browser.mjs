// Browser measurements for `cargo xtask bench`, in headless Chromium (Debian's) with
// playwright-core; prints one JSON object.
//  - the npm package's filterTokens over the scale account's 10,000 TokenViews (TOKENS_FILE);
//  - navigation to a rendered token list, in a fresh context each time (cold cache), for
//    the demo account (1 token) and the scale account (10,000 tokens);
//  - what a browser fetches to show the sign-in page: every HTML, JS, wasm and CSS response
//    of a fresh context opening /login, each body gzipped (as the edge serves it).
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join, normalize } from "node:path";

const { BASE, PKG, TOKENS_FILE, SCALE_EMAIL, SCALE_PASSWORD, DEMO_EMAIL, DEMO_PASSWORD } = process.env;
const RUNS = 7;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const out = {};

// The filter, with the package served from the Worker's origin by Playwright.
{
  const context = await browser.newContext();
  const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
  await context.route(`${BASE}/__bench/**`, async (route) => {
    const path = new URL(route.request().url()).pathname.slice("/__bench/".length);
    if (path === "index.html") {
      return route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>bench</title>" });
    }
    const file = join(PKG, normalize(path));
    const ext = file.slice(file.lastIndexOf("."));
    return route.fulfill({ status: 200, contentType: types[ext] || "application/octet-stream", body: readFileSync(file) });
  });
  const page = await context.newPage();
  await page.goto(`${BASE}/__bench/index.html`);
  const tokens = JSON.parse(readFileSync(TOKENS_FILE, "utf8"));
  out.filter_tokens = tokens.length;
  out.filter_ms = await page.evaluate(async ({ tokens, runs }) => {
    const pkg = await import("/__bench/index.js");
    await pkg.default();
    const cases = {
      "search": { q: "nightly" },
      "search (full-width, NFKC)": { q: "api" },
      "created 30d + enabled": { created: "30d", state: "enabled" },
      "clear all": {},
    };
    const result = {};
    for (const [name, filter] of Object.entries(cases)) {
      pkg.filterTokens(tokens, filter);
      const each = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        pkg.filterTokens(tokens, filter);
        each.push(performance.now() - t0);
      }
      each.sort((a, b) => a - b);
      result[name] = each[Math.floor(runs / 2)];
    }
    return result;
  }, { tokens, runs: RUNS });
  await context.close();
}

// Navigation to a rendered list: sign in through the API (not timed), then time from the
// navigation's start to the first token (a table row or a card) in the DOM.
async function navigation(email, password) {
  const each = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext();
    const r = await context.request.post(`${BASE}/api/session`, { data: { email, password } });
    if (r.status() !== 201) throw new Error(`sign-in: ${r.status()}`);
    const page = await context.newPage();
    await page.goto(`${BASE}/settings/api`);
    await page.locator(".token-item").first().waitFor({ timeout: 30000 });
    each.push(await page.evaluate(() => performance.now()));
    await context.close();
  }
  return median(each);
}
out.navigation_runs = RUNS;
out.navigation_ms = { demo: await navigation(DEMO_EMAIL, DEMO_PASSWORD), scale: await navigation(SCALE_EMAIL, SCALE_PASSWORD) };
// The sign-in page's weight as a browser fetches it: the lazily loaded sign-in part included.
async function signInFetch() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const bodies = [];
  page.on("response", (r) => {
    const path = new URL(r.url()).pathname;
    if (/\.(js|wasm|css|html)$|^\/login$/.test(path) && r.status() === 200) bodies.push(r.body().then((b) => [path, b]));
  });
  await page.goto(`${BASE}/login`);
  await page.locator("input[type=password]").first().waitFor({ timeout: 30000 });
  await page.waitForLoadState("networkidle");
  const files = {};
  let total = 0;
  for (const [path, body] of await Promise.all(bodies)) {
    const gz = gzipSync(body, { level: 9 }).length;
    files[path] = Math.round(gz / 102.4) / 10;
    total += gz;
  }
  await context.close();
  return { gz_kib: Math.round(total / 102.4) / 10, files };
}
out.sign_in_fetch = await signInFetch();
await browser.close();
console.log(JSON.stringify(out));
