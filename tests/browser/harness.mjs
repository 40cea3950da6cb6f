// The browser suite's harness (see e2e.mjs): the environment tests/tests/browser.rs passes,
// one Chromium page, and the helpers every step uses. The environment:
//   BASE (the admin Worker), EDGE (the verifier Worker), ADMIN_EMAIL, ADMIN_PASSWORD, STD_EMAIL, STD_PASSWORD, SHOTS (a folder),
//   PKG (the built npm package) and EXAMPLE (the example host page's folder);
//   SCANNER_KEY and SCANNER_KEY_ID (a secret-scanning key pair made for the run: its public key
//   is the admin Worker's SECRET_SCANNING_KEYS).
import { chromium } from "playwright-core";
import { mkdirSync, readFileSync } from "node:fs";

export const { BASE, EDGE, ADMIN_EMAIL, ADMIN_PASSWORD, STD_EMAIL, STD_PASSWORD, SHOTS, PKG, EXAMPLE } = process.env;
export const { SCANNER_KEY, SCANNER_KEY_ID } = process.env;
mkdirSync(SHOTS, { recursive: true });

export const results = [];
export async function step(name, fn) {
  const started = Date.now();
  const errorsBefore = consoleErrors.length;
  try {
    await fn();
    results.push([name, true]);
    console.log(`test ${name} ... ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    // Said where it happened; the last step fails on any.
    for (const e of consoleErrors.slice(errorsBefore).filter((e) => !/status of 4\d\d/.test(e))) {
      console.log(`    console error during this step: ${e.slice(0, 300)}`);
    }
  } catch (e) {
    results.push([name, false]);
    console.log(`test ${name} ... FAILED\n    ${String(e && e.stack || e).split("\n").slice(0, 6).join("\n    ")}`);
    if (consoleErrors.length) console.log(`    console errors so far:\n    ${consoleErrors.join("\n    ").slice(0, 4000)}`);
    throw e;
  }
}

export function basic(sid, token) {
  return "Basic " + Buffer.from(`${sid}:${token}`).toString("base64");
}
export async function edge(path, sid, token) {
  const r = await fetch(EDGE + path, { headers: { Authorization: basic(sid, token) } });
  return r.status;
}

export const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
export const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 900 } });
await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE });
export const page = await context.newPage();
export const consoleErrors = [];
page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
page.on("pageerror", (e) => consoleErrors.push(String(e)));
// Native dialogs: a reload or close over unsaved work (beforeunload) is let through; the
// app's "leave this page?" question is answered with `leave.answer`.
export const dialogs = [];
export const leave = { answer: false };
page.on("dialog", async (d) => {
  dialogs.push([d.type(), d.message()]);
  if (d.type() === "beforeunload" || leave.answer) await d.accept();
  else await d.dismiss();
});

// axe-core runs on every page state a screenshot is taken of (every page, dialog, menu and
// wizard step, in each locale); the WCAG 2.0–2.2 A and AA rules. Injected through the
// DevTools protocol, which the page's CSP does not govern.
const AXE = readFileSync(new URL("../../node_modules/axe-core/axe.min.js", import.meta.url), "utf8");
const WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];
export const axeFindings = [];
export let axeStates = 0;
export async function axe(state, p = page) {
  if (!(await p.evaluate(() => typeof window.axe === "object"))) await p.evaluate(AXE);
  const r = await p.evaluate(async (tags) => {
    const out = await window.axe.run(document, { runOnly: { type: "tag", values: tags } });
    return out.violations.map((v) => `${v.impact} ${v.id} (${v.nodes.length}): ${v.nodes[0].target.join(" ")} — ${v.help}`);
  }, WCAG);
  axeStates += 1;
  for (const v of r) axeFindings.push(`${state}: ${v}`);
}

export async function shot(name, p = page) {
  await p.waitForTimeout(150);
  await p.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  if (name !== "failure") await axe(name, p);
}
// Whether the focused element (with `focused`), or else any element Tab can stop at, is what
// `want` names: an id, an accessible name, a value or a selector. Runs in the page.
function tabTarget({ want, focused }) {
  const hit = (a) => {
    // Only what Tab itself stops at: not a heading that took focus (tabindex -1).
    if (!a || a.tabIndex < 0 || a.disabled) return false;
    const name = (a.getAttribute("aria-label") || a.textContent || "").trim();
    return (want.id && a.id === want.id) || (want.name && name === want.name) || (want.value && a.value === want.value)
      || (want.selector && a.matches(want.selector));
  };
  if (focused) {
    let a = document.activeElement;
    while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
    return hit(a);
  }
  return [...document.querySelectorAll("a[href], button, input, select, textarea, [tabindex]")].some((a) => a.checkVisibility() && hit(a));
}
// Waits (as a person would) until the control is on the page, then presses Tab (at most 80
// times) until the focused element is it — a keyboard user moving to a control — and fails
// if it is never reached.
export async function tabTo(want, what) {
  const label = what || JSON.stringify(want);
  await page.waitForFunction(tabTarget, { want, focused: false }, { timeout: 10000 })
    .catch(() => { throw new Error(`${label} never appeared`); });
  for (let n = 0; n < 80; n++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(tabTarget, { want, focused: true })) return;
  }
  throw new Error(`Tab never reached ${label}`);
}
/// The element that has focus, described.
export async function focused() {
  return page.evaluate(() => {
    const a = document.activeElement;
    return { role: a.getAttribute("role"), text: a.textContent.trim(), popup: a.getAttribute("aria-haspopup"), inDialog: !!a.closest("dialog") };
  });
}
/** Chooses the app's language and waits until it shows it (Japanese and Chinese are fetched). */
export async function setLocale(tag, p = page) {
  await p.selectOption("#locale", tag);
  await p.waitForFunction((tag) => document.documentElement.lang === tag, tag, { timeout: 5000 });
}
export async function clipboard() {
  return page.evaluate(() => navigator.clipboard.readText());
}
export async function confirmDialog(buttonName) {
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  await dialog.getByRole("button", { name: buttonName, exact: true }).click();
}
/** Chooses the token list's layout ("table", "cards"), or the default for the width (null). */
export async function layout(kind) {
  await page.evaluate((k) => (k ? localStorage.setItem("tollgate.layout", k) : localStorage.removeItem("tollgate.layout")), kind);
}
/** Waits (at most 5 s) until `locator` matches `n` elements: the list filters on the server. */
export async function countIs(locator, n, what) {
  const until = Date.now() + 5000;
  let c;
  while ((c = await locator.count()) !== n) {
    if (Date.now() > until) throw new Error(`${what || "count"}: ${c}, not ${n}`);
    await page.waitForTimeout(50);
  }
}
/** Waits (at most 5 s) until `locator`'s text is `text`. */
export async function textIs(locator, text, what) {
  const until = Date.now() + 5000;
  let t;
  while ((t = (await locator.innerText()).trim()) !== text) {
    if (Date.now() > until) throw new Error(`${what || "text"}: "${t}", not "${text}"`);
    await page.waitForTimeout(50);
  }
}
