// End-to-end test of the admin app in headless Chromium (Debian's package) with
// playwright-core. Run by tests/tests/browser.rs, which starts the Worker and passes:
//   BASE (the admin Worker), EDGE (the verifier Worker), ADMIN_EMAIL, ADMIN_PASSWORD, STD_EMAIL, STD_PASSWORD, SHOTS (a folder),
//   PKG (the built npm package) and EXAMPLE (the example host page's folder);
//   SCANNER_KEY and SCANNER_KEY_ID (a secret-scanning key pair made for the run: its public key
//   is the admin Worker's SECRET_SCANNING_KEYS).
import { chromium } from "playwright-core";
import { sign } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join, normalize } from "node:path";
import assert from "node:assert/strict";

const { BASE, EDGE, ADMIN_EMAIL, ADMIN_PASSWORD, STD_EMAIL, STD_PASSWORD, SHOTS, PKG, EXAMPLE } = process.env;
const { SCANNER_KEY, SCANNER_KEY_ID } = process.env;
mkdirSync(SHOTS, { recursive: true });

const results = [];
async function step(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push([name, true]);
    console.log(`test ${name} ... ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (e) {
    results.push([name, false]);
    console.log(`test ${name} ... FAILED\n    ${String(e && e.stack || e).split("\n").slice(0, 6).join("\n    ")}`);
    throw e;
  }
}

function basic(sid, token) {
  return "Basic " + Buffer.from(`${sid}:${token}`).toString("base64");
}
async function edge(path, sid, token) {
  const r = await fetch(EDGE + path, { headers: { Authorization: basic(sid, token) } });
  return r.status;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 900 } });
await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE });
const page = await context.newPage();
const consoleErrors = [];
page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
page.on("pageerror", (e) => consoleErrors.push(String(e)));
// Native dialogs: a reload or close over unsaved work (beforeunload) is let through; the
// app's "leave this page?" question is answered with `leaveAnswer`.
const dialogs = [];
let leaveAnswer = false;
page.on("dialog", async (d) => {
  dialogs.push([d.type(), d.message()]);
  if (d.type() === "beforeunload" || leaveAnswer) await d.accept();
  else await d.dismiss();
});

// axe-core runs on every page state a screenshot is taken of (every page, dialog, menu and
// wizard step, in each locale); the WCAG 2.0–2.2 A and AA rules. Injected through the
// DevTools protocol, which the page's CSP does not govern.
const AXE = readFileSync(new URL("../../node_modules/axe-core/axe.min.js", import.meta.url), "utf8");
const WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];
const axeFindings = [];
let axeStates = 0;
async function axe(state) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(AXE);
  const r = await page.evaluate(async (tags) => {
    const out = await window.axe.run(document, { runOnly: { type: "tag", values: tags } });
    return out.violations.map((v) => `${v.impact} ${v.id} (${v.nodes.length}): ${v.nodes[0].target.join(" ")} — ${v.help}`);
  }, WCAG);
  axeStates += 1;
  for (const v of r) axeFindings.push(`${state}: ${v}`);
}

async function shot(name) {
  await page.waitForTimeout(150);
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  if (name !== "failure") await axe(name);
}
// Presses Tab (at most 80 times) until the focused element matches `want` — a keyboard
// user moving to a control — and fails if it is never reached.
async function tabTo(want, what) {
  for (let n = 0; n < 80; n++) {
    await page.keyboard.press("Tab");
    const hit = await page.evaluate((want) => {
      let a = document.activeElement;
      while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
      if (!a) return false;
      const name = (a.getAttribute("aria-label") || a.textContent || "").trim();
      return (want.id && a.id === want.id) || (want.name && name === want.name) || (want.value && a.value === want.value)
        || (want.selector && a.matches(want.selector));
    }, want);
    if (hit) return;
  }
  throw new Error(`Tab never reached ${what || JSON.stringify(want)}`);
}
/// The element that has focus, described.
async function focused() {
  return page.evaluate(() => {
    const a = document.activeElement;
    return { role: a.getAttribute("role"), text: a.textContent.trim(), popup: a.getAttribute("aria-haspopup"), inDialog: !!a.closest("dialog") };
  });
}
async function setLocale(tag) {
  await page.selectOption("#locale", tag);
}
async function clipboard() {
  return page.evaluate(() => navigator.clipboard.readText());
}
async function confirmDialog(buttonName) {
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  await dialog.getByRole("button", { name: buttonName, exact: true }).click();
}

let sid, token, newToken;
let failed = false;
try {
  await step("login", async () => {
    await page.goto(BASE + "/");
    await page.waitForURL(/\/login$/);
    await page.getByLabel("E-mail address").waitFor();
    await shot("en-login");
    await page.getByLabel("E-mail address").fill(ADMIN_EMAIL);
    await page.getByLabel("Password").fill(ADMIN_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/settings\/api$/);
    await page.getByRole("heading", { name: "API access tokens" }).waitFor();
    await page.getByText("No API access tokens yet").waitFor();
    await shot("en-tokens-empty");
  });

  await step("create a token through all four steps", async () => {
    await page.getByRole("link", { name: "Create access token" }).first().click();
    await page.waitForURL(/\/settings\/api\/new(\?step=1)?$/);
    // Step 1: the name is required.
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByText("Enter a name.").waitFor();
    // Beside its field, which is marked invalid and takes focus.
    await page.waitForFunction(() => document.activeElement.id === "name", null, { timeout: 2000 });
    assert.equal(await page.locator("#name").getAttribute("aria-invalid"), "true");
    await shot("en-wizard-1-error");
    await page.getByLabel("Token name").fill("Browser <b>test</b> token");
    await page.getByLabel("Description", { exact: true }).fill("Made by the browser test");
    assert.equal(await page.locator("#version").inputValue(), "2026-04-01");
    await shot("en-wizard-1-setup");
    await page.getByRole("button", { name: "Next" }).click();
    // Step 2: contact and developer e-mails.
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByText("Choose a primary contact from the account's users.").waitFor();
    await page.selectOption("#contact", { index: 1 });
    await page.locator("#email-new").fill("not-an-email");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByText("is not a valid e-mail address").waitFor();
    await page.locator("#email-new").fill("dev@example.com");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByText("dev@example.com").waitFor();
    // Access limits: an IP list the core refuses, named; then none, and a 7-day expiry.
    await page.locator("#allowed-ips").fill("10.0.0.999");
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByText('"10.0.0.999" is not an IPv4 or IPv6 address').waitFor();
    await page.locator("#allowed-ips").fill("");
    await page.selectOption("#expiry", "7");
    await page.getByText("Stops working at").waitFor();
    await shot("en-wizard-2-contact");
    await page.getByRole("button", { name: "Next" }).click();
    // Step 3: scopes.
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByText("Select at least one API scope.").first().waitFor();
    // What the picker shows is what is saved: a category switched on selects its read
    // scopes, counts "n of m", and says what each scope allows.
    const reports = page.locator('fieldset[data-category="reports"]');
    assert.equal(await reports.getByTestId("category-count").innerText(), "0 of 2");
    await page.getByRole("switch", { name: "Reports" }).check();
    assert.equal(await reports.getByTestId("category-count").innerText(), "1 of 2");
    assert.equal(await page.getByText("Select at least one API scope.").count(), 0, "the error goes once a scope is selected");
    assert.equal(await page.locator('input[type=checkbox][value="reports.write"]').isChecked(), false);
    assert.match(await reports.locator("p.routes").first().innerText(), /^Allows: GET \//);
    await page.locator('input[type=checkbox][value="reports.read"]').uncheck();
    assert.equal(await page.getByRole("switch", { name: "Reports" }).isChecked(), false, "no scope selected: the switch shows off");
    // The search filters scopes inside a category.
    await page.getByPlaceholder("Search scopes").fill("reports.write");
    assert.equal(await reports.locator('input[type=checkbox]:not([role=switch])').count(), 1);
    await page.getByPlaceholder("Search scopes").fill("");
    await page.getByRole("switch", { name: "Reports" }).check();
    await page.locator('input[type=checkbox][value="reports.read"]').check();
    assert.match(await page.getByTestId("scope-count").innerText(), /^1 selected$/);
    await page.getByPlaceholder("Search scopes").fill("actions");
    await page.getByRole("switch", { name: "Actions", exact: true }).check();
    await page.getByRole("button", { name: "Select all" }).first().click();
    await page.getByPlaceholder("Search scopes").fill("");
    assert.match(await page.getByTestId("scope-count").innerText(), /^2 selected$/);
    await page.getByRole("button", { name: "Clear all" }).click();
    assert.match(await page.getByTestId("scope-count").innerText(), /^0 selected$/);
    assert.equal(await page.locator("input[role=switch]:checked").count(), 0, "Clear all switches every category off");
    await page.getByRole("switch", { name: "Reports" }).check();
    await page.locator('input[type=checkbox][value="reports.read"]').check();
    await shot("en-wizard-3-scopes");
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByText("Review the token").waitFor();
    assert.ok(!(await page.locator("dl.review").innerText()).includes("Never"), "the review shows the expiry");
    await shot("en-wizard-4-create");
    await page.getByRole("button", { name: "Create", exact: true }).click();
    await page.getByRole("heading", { name: "Your new access token" }).waitFor();
    sid = (await page.getByTestId("issued-sid").innerText()).trim();
    token = (await page.getByTestId("issued-token").innerText()).trim();
    assert.match(sid, /^TGSID[0-9A-Za-z]{22}$/);
    assert.match(token, /^tgat_[0-9A-Za-z]{49}$/);
    // The ready curl line points at the verifier Worker, not the admin host.
    const curl = (await page.locator("code.curl").first().innerText()).trim();
    assert.ok(curl.includes(`${EDGE}/v1/verify`), `curl line: ${curl}`);
    await page.getByRole("button", { name: "Copy Account SID" }).click();
    assert.equal(await clipboard(), sid);
    await page.getByRole("button", { name: "Copy Auth Token" }).click();
    assert.equal(await clipboard(), token);
    await shot("en-wizard-done");
    assert.equal(await edge("/v1/verify", sid, token), 200);
    await page.getByRole("button", { name: "Back to tokens" }).click();
    await page.waitForURL(/\/settings\/api$/);
  });

  await step("the list shows it, and the filters work", async () => {
    for (const name of ["Nightly export", "Staging"]) {
      const r = await page.evaluate(async ([name]) => {
        const s = await (await fetch("/api/session")).json();
        const users = await (await fetch("/api/users")).json();
        const r = await fetch("/api/tokens", { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": s.csrf_token },
          body: JSON.stringify({ name, primary_contact: users[0].id, scopes: ["reports.read"] }) });
        return r.status;
      }, [name]);
      assert.equal(r, 201);
    }
    await page.reload();
    const card = page.locator(`li.token-card[data-sid="${sid}"]`);
    await card.waitFor();
    // The 7-day expiry chosen in the wizard, marked as soon; the last 24 hours' requests.
    assert.match(await card.getByTestId("expires").innerText(), /Expires soon/);
    assert.match(await card.getByTestId("requests-24h").innerText(), /^\d+$/);
    // Markup in a name is shown as text.
    assert.equal(await card.locator(".token-name").innerText(), "Browser <b>test</b> token");
    assert.equal(await page.locator("li.token-card b").count(), 0);
    await page.getByPlaceholder("Search by name").fill("BROWSER");
    assert.equal(await page.locator("li.token-card").count(), 1);
    assert.equal(await page.getByTestId("token-count").innerText(), "1 token", "English plural rules");
    await page.getByPlaceholder("Search by name").fill("");
    await page.selectOption("#state", "disabled");
    assert.equal(await page.locator("li.token-card").count(), 0);
    await page.getByText("No token matches these filters.").waitFor();
    await page.selectOption("#state", "enabled");
    assert.equal(await page.locator("li.token-card").count(), 3);
    await page.selectOption("#created", "older");
    assert.equal(await page.locator("li.token-card").count(), 0);
    await page.selectOption("#created", "7d");
    assert.equal(await page.locator("li.token-card").count(), 3);
    // The filters live in the URL: a reload keeps them.
    assert.match(page.url(), /\/settings\/api\?created=7d&state=enabled$/);
    await page.reload();
    await page.locator("li.token-card").first().waitFor();
    assert.equal(await page.locator("#state").inputValue(), "enabled");
    assert.equal(await page.locator("#created").inputValue(), "7d");
    assert.equal(await page.locator("li.token-card").count(), 3);
    await shot("en-tokens-filtered");
    await page.getByRole("button", { name: "Clear all" }).click();
    assert.match(page.url(), /\/settings\/api$/);
    assert.equal(await page.locator("#state").inputValue(), "");
    assert.equal(await page.locator("#created").inputValue(), "");
    assert.equal(await page.locator("li.token-card").count(), 3);
    await shot("en-tokens");
  });

  await step("the ⋯ menu and the dialogs by keyboard (menu-button pattern, focus kept in the dialog)", async () => {
    const card = page.locator(`li.token-card[data-sid="${sid}"]`);
    const more = card.getByRole("button", { name: "More" });
    await more.focus();
    await page.keyboard.press("ArrowDown");
    await card.getByRole("menu").waitFor();
    await page.waitForFunction(() => document.activeElement.getAttribute("role") === "menuitem", null, { timeout: 2000 });
    assert.deepEqual(await focused(), { role: "menuitem", text: "Duplicate", popup: null, inDialog: false });
    await shot("en-menu-open");
    await page.keyboard.press("ArrowUp");
    assert.equal((await focused()).text, "Delete", "ArrowUp wraps to the last item");
    assert.match(await card.getByRole("menuitem", { name: "Delete" }).getAttribute("class"), /destructive/);
    await page.keyboard.press("Home");
    assert.equal((await focused()).text, "Duplicate");
    await page.keyboard.press("End");
    assert.equal((await focused()).text, "Delete");
    await page.keyboard.press("Escape");
    assert.equal(await card.getByRole("menu").count(), 0, "Escape closes the menu");
    assert.equal((await focused()).popup, "menu", "Escape returns focus to the button");
    await page.keyboard.press("Enter");
    await card.getByRole("menu").waitFor();
    await page.keyboard.press("Tab");
    assert.equal(await card.getByRole("menu").count(), 0, "Tab closes the menu");
    await more.click();
    await page.mouse.click(4, 880);
    assert.equal(await card.getByRole("menu").count(), 0, "a click elsewhere closes the menu");
    // A confirmation is a modal <dialog>: Tab stays inside, Escape cancels, focus returns.
    await more.click();
    await card.getByRole("menuitem", { name: "Duplicate" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    assert.equal(await dialog.evaluate((d) => d.tagName === "DIALOG" && d.matches(":modal")), true);
    await shot("en-confirm-duplicate");
    for (let n = 0; n < 5; n++) {
      await page.keyboard.press("Tab");
      assert.equal((await focused()).inDialog, true, `Tab ${n + 1} left the dialog`);
    }
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    assert.equal((await focused()).popup, "menu", "focus back on the menu button");
  });

  await step("keyboard: a named skip link, focus on each new page and wizard step", async () => {
    await page.goto(BASE + "/settings/api");
    await page.locator("li.token-card").first().waitFor();
    await page.keyboard.press("Tab");
    assert.equal((await focused()).text, "Skip to the page content");
    await page.keyboard.press("Enter");
    assert.deepEqual(await page.evaluate(() => [document.activeElement.tagName, document.activeElement.textContent]), ["H1", "API access tokens"]);
    // A page change puts focus on the new page's heading, not back at the top.
    await page.getByRole("link", { name: "Users" }).click();
    await page.waitForFunction(() => document.activeElement.tagName === "H1", null, { timeout: 2000 });
    await page.getByRole("link", { name: "API", exact: true }).click();
    await page.getByRole("link", { name: "Create access token" }).first().click();
    await page.waitForFunction(() => document.activeElement.tagName === "H1", null, { timeout: 2000 });
    await page.locator("#name").fill("Keyboard focus");
    await page.getByRole("button", { name: "Next" }).click();
    await page.waitForFunction(() => document.activeElement.tagName === "H2", null, { timeout: 2000 });
    assert.equal(await page.evaluate(() => document.activeElement.textContent), await page.locator("form.wizard h2").innerText());
    await page.goto(BASE + "/settings/api");
    await page.locator("li.token-card").first().waitFor();
  });

  await step("by keyboard alone: create, edit, reset and delete a token", async () => {
    await page.goto(BASE + "/settings/api");
    await page.locator("li.token-card").first().waitFor();
    await tabTo({ name: "Create access token" });
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/settings\/api\/new(\?step=1)?$/);
    await tabTo({ id: "name" });
    await page.keyboard.type("Keyboard only");
    await tabTo({ name: "Next" });
    await page.keyboard.press("Enter");
    await tabTo({ id: "contact" });
    await page.keyboard.press("ArrowDown");
    await tabTo({ name: "Next" });
    await page.keyboard.press("Enter");
    await page.getByRole("switch", { name: "Reports" }).waitFor();
    await tabTo({ selector: 'fieldset[data-category="reports"] input[role=switch]' }, "the Reports switch");
    await page.keyboard.press("Space");
    // Switching a category on selects its read scopes; write stays a separate choice.
    await tabTo({ selector: 'input[type=checkbox][value="reports.read"]' }, "the reports.read checkbox");
    assert.equal(await page.locator('input[type=checkbox][value="reports.read"]').isChecked(), true);
    await tabTo({ name: "Next" });
    await page.keyboard.press("Enter");
    await page.getByText("Review the token").waitFor();
    await tabTo({ name: "Create" });
    await page.keyboard.press("Enter");
    const issued = page.getByRole("dialog", { name: "Your new access token" });
    await issued.waitFor();
    const kbSid = (await issued.getByTestId("issued-sid").innerText()).trim();
    await tabTo({ name: "Back to tokens" });
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/settings\/api$/);
    // Edit: open the token from the list, change the description, update.
    await page.locator(`li.token-card[data-sid="${kbSid}"]`).waitFor();
    await tabTo({ name: "Keyboard only" });
    await page.keyboard.press("Enter");
    await page.waitForURL(new RegExp(`/settings/api/${kbSid}$`));
    await tabTo({ id: "description" });
    await page.keyboard.type("typed, not clicked");
    await tabTo({ name: "Update" });
    await page.keyboard.press("Enter");
    await page.getByRole("dialog").waitFor();
    await tabTo({ name: "Update" }, "the dialog's Update");
    await page.keyboard.press("Enter");
    await page.getByText("Token updated").first().waitFor();
    // Reset, then back to the list.
    await tabTo({ name: "Reset token" });
    await page.keyboard.press("Enter");
    await page.getByRole("dialog").waitFor();
    await tabTo({ name: "Reset token" }, "the dialog's Reset token");
    await page.keyboard.press("Enter");
    await issued.waitFor();
    await tabTo({ name: "Back to tokens" });
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/settings\/api$/);
    // Delete from its page.
    await page.locator(`li.token-card[data-sid="${kbSid}"]`).waitFor();
    await tabTo({ name: "Keyboard only" });
    await page.keyboard.press("Enter");
    await page.waitForURL(new RegExp(`/settings/api/${kbSid}$`));
    await page.locator("#description").waitFor();
    await tabTo({ name: "Delete" });
    await page.keyboard.press("Enter");
    await page.getByRole("dialog").waitFor();
    await tabTo({ name: "Delete" }, "the dialog's Delete");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/settings\/api$/);
    await page.locator("li.token-card").first().waitFor();
    assert.equal(await page.locator(`li.token-card[data-sid="${kbSid}"]`).count(), 0);
    const saved = await page.evaluate(async (sid) => (await fetch(`/api/tokens/${sid}`)).status, kbSid);
    assert.equal(saved, 404);
  });

  await step("wizard steps are history entries: Back and Forward keep the draft", async () => {
    await page.goto(BASE + "/settings/api");
    await page.getByRole("link", { name: "Create access token" }).first().click();
    await page.waitForURL(/\/settings\/api\/new\?step=1$/);
    await page.locator("#name").fill("Back and forth");
    await page.getByRole("button", { name: "Next" }).click();
    await page.waitForURL(/\?step=2$/);
    await page.selectOption("#contact", { index: 1 });
    await page.getByRole("button", { name: "Next" }).click();
    await page.waitForURL(/\?step=3$/);
    await page.goBack();
    await page.getByRole("heading", { name: "Contact information" }).waitFor();
    await page.waitForFunction(() => document.querySelector("#contact").value !== "", null, { timeout: 3000 })
      .catch(() => { throw new Error("the contact is not kept"); });
    await page.goBack();
    await page.locator("#name").waitFor();
    assert.equal(await page.locator("#name").inputValue(), "Back and forth");
    await page.goForward();
    await page.getByRole("heading", { name: "Contact information" }).waitFor();
    // Away to another page and Back: the same step, the same draft.
    await page.getByRole("link", { name: "Users" }).click();
    await page.waitForURL(/\/settings\/users$/);
    await page.goBack();
    await page.getByRole("heading", { name: "Contact information" }).waitFor();
    await page.goBack();
    assert.equal(await page.locator("#name").inputValue(), "Back and forth");
    // A fresh load of a later step's address (the draft lives in the running app) starts
    // a fresh draft at step 1: no step is shown before the ones it needs were checked.
    await page.goto(BASE + "/settings/api/new?step=4");
    await page.locator("#name").waitFor();
    assert.equal(await page.locator("#name").inputValue(), "");
    await page.waitForURL(/\?step=1$/);
  });

  await step("upgrade from the menu: the confirmation names both versions", async () => {
    const old = await page.evaluate(async () => {
      const s = await (await fetch("/api/session")).json();
      const r = await fetch("/api/tokens", { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": s.csrf_token },
        body: JSON.stringify({ name: "Older integration", primary_contact: s.user.id, scopes: ["reports.read"], api_version: "2025-04-01" }) });
      return (await r.json()).token.sid;
    });
    await page.goto(BASE + "/settings/api");
    const card = page.locator(`li.token-card[data-sid="${old}"]`);
    await card.getByRole("button", { name: "More" }).click();
    await card.getByRole("menuitem", { name: "Upgrade version" }).click();
    await page.getByRole("dialog").getByText("from API version 2025-04-01 to 2026-04-01").waitFor();
    await shot("en-confirm-upgrade");
    await confirmDialog("Upgrade version");
    await card.getByText("2026-04-01").waitFor();
    assert.equal(await card.getByRole("button", { name: "More" }).count(), 1);
    // A reset with grace: the new secret in a modal that takes focus, names the token and
    // says until when the old Auth Token still works.
    await card.getByRole("button", { name: "More" }).click();
    await card.getByRole("menuitem", { name: "Reset" }).click();
    await page.selectOption("#grace", "1h");
    await confirmDialog("Reset token");
    const issued = page.getByRole("dialog", { name: "Your new access token" });
    await issued.waitFor();
    assert.equal(await issued.evaluate((d) => d.matches(":modal")), true);
    await page.waitForFunction(() => document.activeElement.id === "issued-title", null, { timeout: 2000 });
    assert.ok((await issued.innerText()).includes("“Older integration”"));
    assert.match(await issued.getByTestId("grace-until").innerText(), /The old Auth Token keeps working until /);
    await shot("en-issued-grace");
    await issued.getByRole("button", { name: "Back to tokens" }).click();
    await issued.waitFor({ state: "detached" });
  });

  await step("reset from the menu: old token 401, new 200", async () => {
    const card = page.locator(`li.token-card[data-sid="${sid}"]`);
    await card.getByRole("button", { name: "More" }).click();
    await card.getByRole("menuitem", { name: "Reset" }).click();
    await page.getByRole("dialog").getByText("Integrations using the old Auth Token stop authenticating").waitFor();
    await shot("en-confirm-reset");
    await confirmDialog("Reset token");
    await page.getByRole("heading", { name: "Your new access token" }).waitFor();
    newToken = (await page.getByTestId("issued-token").innerText()).trim();
    assert.notEqual(newToken, token);
    assert.equal(await edge("/v1/verify", sid, token), 401);
    assert.equal(await edge("/v1/verify", sid, newToken), 200);
    await page.getByRole("button", { name: "Back to tokens" }).click();
  });

  await step("disable from the menu: 401", async () => {
    const card = page.locator(`li.token-card[data-sid="${sid}"]`);
    await card.getByRole("button", { name: "More" }).click();
    await card.getByRole("menuitem", { name: "Disable" }).click();
    await confirmDialog("Disable");
    await card.getByText("Disabled", { exact: true }).waitFor();
    assert.match(await card.getAttribute("class"), /token-disabled/, "a disabled token looks muted");
    await shot("en-tokens-disabled");
    assert.equal(await edge("/v1/verify", sid, newToken), 401);
    await card.getByRole("button", { name: "More" }).click();
    await card.getByRole("menuitem", { name: "Enable" }).click();
    await confirmDialog("Enable");
    await card.getByText("Enabled", { exact: true }).waitFor();
    assert.equal(await edge("/v1/verify", sid, newToken), 200);
  });

  await step("edit scopes and update", async () => {
    await page.locator(`li.token-card[data-sid="${sid}"] .token-name`).click();
    await page.waitForURL(new RegExp(`/settings/api/${sid}$`));
    await page.getByRole("heading", { name: "API scopes" }).waitFor();
    assert.equal(await page.getByTestId("sid").innerText(), sid);
    // Usage: a chart of 30 days with a table of the same numbers.
    const usage = page.getByTestId("usage");
    await usage.locator("svg.usage-chart").waitFor();
    await usage.getByText("Show as a table").click();
    assert.equal(await usage.locator("tbody tr").count(), 30);
    await page.getByTestId("copy-token").click();
    await page.waitForTimeout(300);
    assert.equal(await clipboard(), newToken);
    assert.equal(await edge("/v1/campaigns", sid, newToken), 403);
    await page.getByRole("switch", { name: "Campaigns" }).check();
    await page.locator('input[type=checkbox][value="campaigns.read"]').check();
    await shot("en-edit");
    await page.getByRole("button", { name: "Update", exact: true }).click();
    await confirmDialog("Update");
    await page.getByText("Token updated").waitFor();
    assert.equal(await edge("/v1/campaigns", sid, newToken), 200);
  });

  await step("someone else's change meanwhile: 412, the current state shown, nothing overwritten", async () => {
    // Another admin (here: the same session from a script) changes the description.
    const status = await page.evaluate(async (sid) => {
      const s = await (await fetch("/api/session")).json();
      const r = await fetch(`/api/tokens/${sid}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": s.csrf_token },
        body: JSON.stringify({ description: "changed by someone else" }),
      });
      return r.status;
    }, sid);
    assert.equal(status, 200);
    await page.locator("#description").fill("my stale edit");
    await page.getByRole("button", { name: "Update", exact: true }).click();
    await confirmDialog("Update");
    await page.getByText("Someone else changed this in the meantime").waitFor();
    await page.waitForTimeout(100);
    assert.equal(await page.locator("#description").inputValue(), "changed by someone else");
    const now = await page.evaluate(async (sid) => (await (await fetch(`/api/tokens/${sid}`)).json()).description, sid);
    assert.equal(now, "changed by someone else");
    await shot("en-edit-stale");
  });

  await step("a refused update and an unknown token: said in the admin's language, no crash", async () => {
    const words = {
      en: ["Enter a name.", "This page does not exist."],
      ja: ["名前を入力してください。", "このページは存在しません。"],
      "zh-CN": ["请输入名称。", "此页面不存在。"],
    };
    const update = { en: "Update", ja: "更新", "zh-CN": "更新" };
    for (const [tag, [empty, missing]] of Object.entries(words)) {
      await page.goto(BASE + `/settings/api/${sid}`);
      await setLocale(tag);
      await page.locator("#name").waitFor();
      await page.locator("#name").fill("");
      await page.getByRole("button", { name: update[tag], exact: true }).click();
      await confirmDialog(update[tag]);
      await page.locator("#err-name").getByText(empty).waitFor();
      await page.waitForFunction(() => document.activeElement.id === "name", null, { timeout: 2000 });
      assert.equal(await page.locator("#name").getAttribute("aria-invalid"), "true");
      await shot(`${tag}-edit-error`);
      const saved = await page.evaluate(async (sid) => (await (await fetch(`/api/tokens/${sid}`)).json()).name, sid);
      assert.notEqual(saved, "", "nothing was saved");
      await page.goto(BASE + "/settings/api/TGSIDnosuchtoken00000000000000");
      await page.getByText(missing).waitFor();
    }
    await setLocale("en");
  });

  await step("unsaved changes: leaving asks first (in the app and on reload)", async () => {
    await page.goto(BASE + `/settings/api/${sid}`);
    await page.locator("#description").waitFor();
    await page.locator("#description").fill("not saved yet");
    dialogs.length = 0;
    leaveAnswer = false;
    await page.getByRole("link", { name: "Users" }).click();
    await page.waitForTimeout(200);
    assert.deepEqual(dialogs, [["confirm", "This token has changes you have not saved. Leave this page and lose them?"]]);
    assert.match(page.url(), new RegExp(`/settings/api/${sid}$`), "stayed on the page");
    assert.equal(await page.locator("#description").inputValue(), "not saved yet");
    await page.reload();
    assert.equal(dialogs.at(-1)[0], "beforeunload", "a reload asks too");
    await page.locator("#description").waitFor();
    await page.locator("#description").fill("again not saved");
    leaveAnswer = true;
    await page.getByRole("link", { name: "Users" }).click();
    await page.waitForURL(/\/settings\/users$/);
    leaveAnswer = false;
    // Nothing unsaved: no question.
    dialogs.length = 0;
    await page.goto(BASE + `/settings/api/${sid}`);
    await page.locator("#description").waitFor();
    await page.getByRole("link", { name: "Users" }).click();
    await page.waitForURL(/\/settings\/users$/);
    assert.deepEqual(dialogs, []);
  });

  await step("delete", async () => {
    await page.goto(BASE + `/settings/api/${sid}`);
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await confirmDialog("Delete");
    await page.waitForURL(/\/settings\/api$/);
    await page.locator("li.token-card").first().waitFor();
    assert.equal(await page.locator(`li.token-card[data-sid="${sid}"]`).count(), 0);
    assert.equal(await edge("/v1/verify", sid, newToken), 401);
  });

  await step("markup in names and descriptions is shown as text (stored XSS)", async () => {
    const evil = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>"'&`;
    let fired = false;
    page.on("dialog", async (d) => { fired = true; await d.dismiss(); });
    const result = await page.evaluate(async (evil) => {
      const session = await (await fetch("/api/session")).json();
      const headers = { "Content-Type": "application/json", "X-CSRF-Token": session.csrf_token };
      const user = await fetch("/api/users", { method: "POST", headers, body: JSON.stringify({
        email: "xss@browser.test", name: evil, role: "standard_user", password: "pw-" + "x".repeat(16) }) });
      const users = await (await fetch("/api/users")).json();
      const contact = users.find((u) => u.email === "xss@browser.test").id;
      const token = await fetch("/api/tokens", { method: "POST", headers, body: JSON.stringify({
        name: evil, description: evil, primary_contact: contact, developer_emails: [], scopes: ["reports.read"] }) });
      return { user: user.status, token: token.status, sid: (await token.json()).token.sid };
    }, evil);
    assert.equal(result.user, 201);
    assert.equal(result.token, 201);
    await page.goto(BASE + "/settings/api");
    const card = page.locator(`li.token-card[data-sid="${result.sid}"]`);
    await card.waitFor();
    assert.equal(await card.locator(".token-name").textContent(), evil);
    assert.equal(await card.locator("img, script").count(), 0);
    await card.locator(".token-name").click();
    await page.locator("section.card h2").first().waitFor();
    assert.ok((await page.locator("main").textContent()).includes(evil));
    assert.equal(await page.locator("main img, main script").count(), 0);
    await page.goto(BASE + "/settings/users");
    await page.getByText(evil).first().waitFor();
    assert.equal(await page.locator("main img, main script").count(), 0);
    await page.goto(BASE + "/settings/audit");
    await page.locator("main h1").first().waitFor();
    await page.waitForTimeout(300);
    assert.equal(await page.locator("main img, main script").count(), 0);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.equal(fired, false);
    await shot("en-xss-as-text");
  });

  await step("every page in Japanese and Chinese", async () => {
    const pages = [["tokens", "/settings/api"], ["wizard", "/settings/api/new"], ["users", "/settings/users"],
      ["account", "/settings/account"], ["audit", "/settings/audit"], ["security", "/settings/api/security"]];
    const expected = {
      ja: { tokens: "フィルター", create: "アクセストークンを作成", more: "その他", nameError: "名前を入力してください。" },
      "zh-CN": { tokens: "筛选", create: "创建访问令牌", more: "更多", nameError: "请输入名称。" },
    };
    for (const [tag, words] of Object.entries(expected)) {
      await page.goto(BASE + "/settings/api");
      await setLocale(tag);
      await page.getByRole("link", { name: words.create }).first().waitFor();
      assert.ok(await page.getByLabel(words.tokens).count() >= 0);
      await page.locator(`section.filters[aria-label="${words.tokens}"]`).waitFor();
      const lang = await page.evaluate(() => document.documentElement.lang);
      assert.equal(lang, tag);
      for (const [name, path] of pages) {
        await page.goto(BASE + path);
        await page.locator("main h1").first().waitFor();
        await shot(`${tag}-${name}`);
      }
      // A validation error in the admin's language, beside its field.
      await page.goto(BASE + "/settings/api/new");
      await page.locator("#name").waitFor();
      await page.locator(".wizard-actions .button.primary").click();
      await page.locator("#err-name").getByText(words.nameError).waitFor();
      await shot(`${tag}-wizard-error`);
      await page.goto(BASE + "/settings/api");
      await page.locator("li.token-card .token-name").first().click();
      await page.locator("section.card h2").first().waitFor();
      await shot(`${tag}-edit`);
    }
    await setLocale("en");
    for (const [name, path] of pages.slice(2)) {
      await page.goto(BASE + path);
      await page.locator("main h1").first().waitFor();
      await shot(`en-${name}`);
    }
    // The audit log names the fields an edit changed as the app labels them.
    await page.goto(BASE + "/settings/audit");
    await page.locator("table tbody tr").first().waitFor();
    const audit = await page.locator("table").innerText();
    assert.ok(audit.includes("API scopes") && !/[(,]\s*(scopes|description)\s*[,)]/.test(audit), audit.slice(0, 600));
  });

  let policyToken = null;
  await step("a token with an expiry, an allowlist and a rate limit, in each language", async () => {
    for (const tag of ["en", "ja", "zh-CN"]) {
      await page.goto(BASE + "/settings/api/new");
      await setLocale(tag);
      await page.locator("#name").waitFor();
      await page.locator("#name").fill(`Policies ${tag}`);
      const next = page.locator(".wizard-actions .button.primary");
      await next.click();
      await page.selectOption("#contact", { index: 1 });
      await page.selectOption("#expiry", "30");
      await page.locator("#allowed-ips").fill("203.0.113.0/24\n2001:db8::/32");
      await page.locator("#rate-on").check();
      await page.locator("#rate-requests").fill("50");
      await page.selectOption("#rate-period", "60");
      await shot(`${tag}-wizard-policies`);
      await next.click();
      await page.locator('fieldset[data-category="reports"] input[role=switch]').check();
      await page.locator('input[type=checkbox][value="reports.read"]').check();
      await next.click();
      await page.locator("dl.review").waitFor();
      await next.click();
      await page.getByTestId("issued-sid").waitFor();
      const sidP = (await page.getByTestId("issued-sid").innerText()).trim();
      if (tag === "en") policyToken = [sidP, (await page.getByTestId("issued-token").innerText()).trim()];
      const v = await page.evaluate(async (s) => (await fetch(`/api/tokens/${s}`)).json(), sidP);
      assert.deepEqual(v.allowed_ips, ["203.0.113.0/24", "2001:db8::/32"], `${tag}: allowlist`);
      assert.deepEqual(v.rate_limit, { requests: 50, period_seconds: 60 }, `${tag}: rate limit`);
      const days = (v.expires_at - Date.now()) / 86_400_000;
      assert.ok(days > 29.9 && days <= 30, `${tag}: expiry in 30 days (${days})`);
    }
    await setLocale("en");
  });

  await step("the usage chart of a token with traffic", async () => {
    const [psid, ptoken] = policyToken;
    const from = async (ip) =>
      (await fetch(EDGE + "/v1/verify", { headers: { Authorization: basic(psid, ptoken), "CF-Connecting-IP": ip } })).status;
    for (let n = 0; n < 5; n++) assert.equal(await from("203.0.113.5"), 200);
    assert.equal(await from("198.51.100.1"), 403, "outside the allowlist");
    // The verifier flushes its counts at most every 10 s.
    const started = Date.now();
    let allowed = 0;
    while (allowed < 5 && Date.now() - started < 30_000) {
      await page.waitForTimeout(500);
      const u = await page.evaluate(async (s) => (await fetch(`/api/tokens/${s}/usage?days=30`)).json(), psid);
      allowed = u.daily.reduce((a, p) => a + p.counts.allowed, 0);
    }
    assert.ok(allowed >= 5, `usage counted ${allowed} allowed requests`);
    await page.goto(BASE + `/settings/api/${psid}`);
    const usage = page.getByTestId("usage");
    await usage.locator("svg.usage-chart rect.bar-allowed").first().waitFor({ state: "attached" });
    const heights = await usage.locator("rect.bar-allowed").evaluateAll((rs) => rs.map((r) => Number(r.getAttribute("height"))));
    assert.ok(heights.some((h) => h > 0), "a bar for today's requests");
    await usage.getByText("Show as a table").click();
    const today = await usage.locator("tbody tr").first().locator("td").first().innerText();
    assert.ok(Number(today) >= 5, `today's allowed requests in the table: ${today}`);
    await shot("en-usage");
  });

  await step("a leaked token: its banner, the Notifications page in each language, reset as the next step", async () => {
    // A token to report, made through the admin API in the signed-in page (its developer
    // e-mail gets a kept notification: this Worker has no mail API).
    const issued = await page.evaluate(async () => {
      const s = await (await fetch("/api/session")).json();
      const r = await fetch("/api/tokens", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": s.csrf_token },
        body: JSON.stringify({ name: "Leaky integration", primary_contact: s.user.id, scopes: ["reports.read"], developer_emails: ["dev@browser.test"] }),
      });
      return r.json();
    });
    const LEAK_SID = issued.token.sid, LEAK_TOKEN = issued.auth_token;
    assert.equal(await edge("/v1/verify", LEAK_SID, LEAK_TOKEN), 200, "the token works before the report");
    const url = "https://github.com/octo/leaky/blob/main/.env";
    const body = JSON.stringify([{ token: LEAK_TOKEN, type: "tollgate_auth_token", url, source: "content" }]);
    const signature = sign("sha256", Buffer.from(body), SCANNER_KEY).toString("base64");
    const r = await fetch(BASE + "/secret-scanning/github", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Github-Public-Key-Identifier": SCANNER_KEY_ID, "Github-Public-Key-Signature": signature },
      body,
    });
    assert.equal(r.status, 200, "the signed report");
    assert.equal((await r.json())[0].label, "true_positive");
    assert.equal(await edge("/v1/verify", LEAK_SID, LEAK_TOKEN), 401, "the leaked token is refused");
    const words = {
      en: ["This token's Auth Token was found in public", "Notifications", "Kept (not sent)", "Found in public"],
      ja: ["このトークンの認証トークンが公開場所で見つかりました", "通知", "保管（未送信）", "公開場所で発見"],
      "zh-CN": ["此令牌的认证令牌在公开位置被发现", "通知", "已保存（未发送）", "在公开位置被发现"],
    };
    for (const [tag, [title, nav, kept, event]] of Object.entries(words)) {
      await page.goto(BASE + "/settings/api");
      await setLocale(tag);
      const banner = page.locator(`li.token-card[data-sid="${LEAK_SID}"]`).getByTestId("leak-banner");
      await banner.waitFor();
      const text = await banner.innerText();
      assert.ok(text.includes(title) && text.includes(url), `${tag}: card banner: ${text}`);
      assert.equal(await banner.getByRole("link", { name: url }).getAttribute("href"), url);
      await shot(`${tag}-leak-card`);
      await page.goto(BASE + `/settings/api/${LEAK_SID}`);
      await page.getByTestId("leak-banner").getByText(title).waitFor();
      await shot(`${tag}-leak-edit`);
      await page.getByRole("link", { name: nav, exact: true }).click();
      const row = page.getByTestId("notifications").locator(`tr[data-event="token_leaked"]`).first();
      await row.waitFor();
      const rowText = await row.innerText();
      assert.ok(rowText.includes(kept) && rowText.includes(event) && rowText.includes(LEAK_SID), `${tag}: ${rowText}`);
      await page.getByTestId("mail-off").waitFor();
      await shot(`${tag}-notifications`);
    }
    await setLocale("en");
    await page.goto(BASE + `/settings/api/${LEAK_SID}`);
    await page.getByTestId("leak-reset").click();
    await confirmDialog("Reset token");
    await page.getByRole("heading", { name: "Your new access token" }).waitFor();
    const fresh = (await page.getByTestId("issued-token").innerText()).trim();
    await page.getByRole("button", { name: "Back to tokens" }).click();
    const card = page.locator(`li.token-card[data-sid="${LEAK_SID}"]`);
    await card.waitFor();
    assert.equal(await card.getByTestId("leak-banner").count(), 0, "the banner is gone after the reset");
    assert.equal(await edge("/v1/verify", LEAK_SID, LEAK_TOKEN), 401, "the leaked token stays refused");
    assert.equal(await edge("/v1/verify", LEAK_SID, fresh), 401, "still disabled until enabled");
  });

  await step("usable at 360 px", async () => {
    await page.setViewportSize({ width: 360, height: 780 });
    await page.goto(BASE + "/settings/api");
    await page.locator("li.token-card").first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `horizontal overflow of ${overflow}px`);
    await shot("en-tokens-360");
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  await step("the token manager embedded in a host page: log in, list, stay scoped, unmount", async () => {
    // The example host page and the package are served on the Worker's origin (as a portal
    // that routes /api/* to Tollgate would), straight from the build folders.
    const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".css": "text/css" };
    const host = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 900 } });
    await host.route(`${BASE}/__example/**`, async (route) => {
      const path = new URL(route.request().url()).pathname.slice("/__example/".length);
      const file = path.startsWith("pkg/") ? join(PKG, normalize(path.slice(4))) : join(EXAMPLE, normalize(path));
      const ext = file.slice(file.lastIndexOf("."));
      try {
        await route.fulfill({ status: 200, contentType: types[ext] || "application/octet-stream", body: readFileSync(file) });
      } catch {
        await route.fulfill({ status: 404, body: "not found" });
      }
    });
    const hp = await host.newPage();
    const errors = [];
    hp.on("pageerror", (e) => errors.push(String(e)));
    hp.on("console", (m) => { if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) errors.push(m.text()); });
    await hp.goto(`${BASE}/__example/index.html`);
    await hp.locator("body[data-ready=true]").waitFor();
    const url = hp.url();
    const historyLength = await hp.evaluate(() => history.length);
    // The package's own functions work on the host page too.
    assert.equal(await hp.evaluate(() => window.tollgate.checkAuthToken("tgat_x").code), "token_length");

    // Log in inside the widget (Playwright's locators reach into the open shadow root).
    const widget = hp.locator("#tokens");
    await widget.getByLabel("E-mail address").fill(ADMIN_EMAIL);
    await widget.getByLabel("Password").fill(ADMIN_PASSWORD);
    await widget.getByRole("button", { name: "Sign in" }).click();
    await widget.getByRole("heading", { name: "API access tokens" }).waitFor();
    await widget.locator("li.token-card").first().waitFor();
    const listed = await widget.locator("li.token-card").count();
    const api = await hp.evaluate(async () => (await (await fetch("/api/tokens?limit=100")).json()).total);
    assert.equal(listed, api, "the widget lists the account's tokens");
    await hp.screenshot({ path: `${SHOTS}/en-embedded.png`, fullPage: true });

    // Moving around inside the widget leaves the host page's URL and history alone.
    await widget.locator("li.token-card .token-name").first().click();
    await widget.locator("section.card h2").first().waitFor();
    assert.equal(hp.url(), url);
    assert.equal(await hp.evaluate(() => history.length), historyLength);

    // Styles stay on their side of the shadow root.
    const style = await hp.evaluate(() => {
      const root = document.getElementById("tokens").shadowRoot;
      const css = (el, p) => getComputedStyle(el).getPropertyValue(p);
      const appButton = root.querySelector("button.button");
      return {
        shadow: !!root,
        hostFont: css(document.body, "font-family"),
        hostColor: css(document.body, "color"),
        hostButton: css(document.getElementById("host-button"), "background-color"),
        hostCard: css(document.getElementById("host-card"), "border-top-style"),
        hostTitle: css(document.getElementById("host-title"), "font-size"),
        appFont: css(root.querySelector(".tg-app"), "font-family"),
        appColor: css(root.querySelector(".tg-app"), "color"),
        appButton: css(appButton, "background-color"),
        appCard: css(root.querySelector(".card"), "border-top-style"),
        appTitle: css(root.querySelector("h1, h2"), "font-size"),
      };
    });
    assert.ok(style.shadow, "mounted in a shadow root");
    assert.match(style.hostFont, /Georgia/);
    assert.equal(style.hostColor, "rgb(128, 0, 64)");
    assert.equal(style.hostButton, "rgb(0, 255, 0)");
    assert.equal(style.hostCard, "dashed");
    assert.equal(style.hostTitle, "40px");
    assert.doesNotMatch(style.appFont, /Georgia/);
    assert.equal(style.appColor, "rgb(28, 36, 48)");
    assert.notEqual(style.appButton, "rgb(0, 255, 0)");
    assert.equal(style.appCard, "solid");
    assert.notEqual(style.appTitle, "40px");

    // Unmount: everything the widget added goes; mounting again works (in Japanese).
    const after = await hp.evaluate(() => {
      window.tollgate.manager.unmount();
      const root = document.getElementById("tokens").shadowRoot;
      return { children: root.childNodes.length, mounted: window.tollgate.manager.mounted };
    });
    assert.deepEqual(after, { children: 0, mounted: false });
    await hp.evaluate(() => window.tollgate.remount({ locale: "ja" }));
    await widget.getByRole("heading", { name: "API アクセス トークン" }).waitFor();
    await widget.locator("li.token-card").first().waitFor();
    const twice = await hp.evaluate(() => window.tollgate.remount().then(() => "mounted", (e) => e.message));
    assert.match(twice, /already mounted/);
    assert.equal(hp.url(), url);
    assert.deepEqual(errors, []);
    await host.close();
  });

  await step("a standard user sees no tokens", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/login$/);
    for (const tag of ["ja", "zh-CN"]) {
      await setLocale(tag);
      await page.locator("main h1").waitFor();
      await shot(`${tag}-login`);
    }
    await setLocale("en");
    await page.getByLabel("E-mail address").fill(STD_EMAIL);
    await page.getByLabel("Password").fill(STD_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("Your role has no access to API access tokens.").waitFor();
    assert.equal(await page.locator("li.token-card").count(), 0);
    assert.equal(await page.locator("nav.nav a").count(), 0);
    await shot("en-standard-user");
  });

  await step("axe-core: no WCAG 2.2 A/AA violation on any page state, in each language", async () => {
    console.log(`    ${axeStates} page states checked, ${axeFindings.length} violations`);
    assert.ok(axeStates >= 40, `only ${axeStates} page states were checked`);
    assert.deepEqual(axeFindings, []);
  });

  await step("no console errors and a strict CSP", async () => {
    const r = await fetch(BASE + "/");
    const csp = r.headers.get("content-security-policy");
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
    assert.match(csp, /frame-ancestors 'none'/);
    const unexpected = consoleErrors.filter((e) => !/status of 4\d\d/.test(e));
    assert.deepEqual(unexpected, []);
  });
} catch (e) {
  failed = true;
  await shot("failure").catch(() => {});
}
await browser.close();
const passed = results.filter((r) => r[1]).length;
console.log(`\nscreenshots: ${SHOTS}`);
console.log(`${passed} passed, ${results.length - passed + (failed && results.every((r) => r[1]) ? 1 : 0)} failed`);
process.exit(failed ? 1 : 0);
