// End-to-end test of the admin app in headless Chromium (Debian's package) with
// playwright-core, run by tests/tests/browser.rs (environment: harness.mjs). The token
// steps are here, in order (each builds on the one before); pages.mjs has the rest. axe-core
// checks every page state a screenshot is taken of.
import assert from "node:assert/strict";
import { BASE, EDGE, ADMIN_EMAIL, ADMIN_PASSWORD, STD_EMAIL, STD_PASSWORD, SHOTS, PKG, EXAMPLE, SCANNER_KEY, SCANNER_KEY_ID, browser, context, page, dialogs, leave, step, basic, edge, shot, tabTo, focused, setLocale, clipboard, confirmDialog, layout, countIs, textIs, results, consoleErrors, axeFindings, axeStates } from "./harness.mjs";
import { pageSteps } from "./pages.mjs";
import { keyboardSteps } from "./keyboard.mjs";

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
    await page.getByRole("button", { name: "Copy the curl line" }).click();
    assert.equal(await clipboard(), curl);
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
    await layout("cards");
    await page.reload();
    const card = page.locator(`.token-item[data-sid="${sid}"]`);
    await card.waitFor();
    // The 7-day expiry chosen in the wizard, marked as soon; the last 24 hours' requests.
    assert.match(await card.getByTestId("expires").innerText(), /Expires soon/);
    assert.match(await card.getByTestId("requests-24h").innerText(), /^\d+$/);
    // Markup in a name is shown as text.
    assert.equal(await card.locator(".token-name").innerText(), "Browser <b>test</b> token");
    assert.equal(await page.locator(".token-item b").count(), 0);
    // The server filters (the list may hold more tokens than one page): the search is
    // sent once typing settles.
    const items = page.locator(".token-item");
    await page.getByPlaceholder("Search by name").fill("BROWSER");
    await countIs(items, 1, "search");
    await textIs(page.getByTestId("token-count"), "1 token", "English plural rules");
    assert.match(page.url(), /\?q=BROWSER$/);
    await page.getByPlaceholder("Search by name").fill("");
    await countIs(items, 3, "search cleared");
    await page.selectOption("#state", "disabled");
    await countIs(items, 0, "disabled");
    await page.getByText("No token matches these filters.").waitFor();
    await page.selectOption("#state", "enabled");
    await countIs(items, 3, "enabled");
    await page.selectOption("#created", "older");
    await countIs(items, 0, "older");
    await page.selectOption("#created", "7d");
    await countIs(items, 3, "7 days");
    await textIs(page.getByTestId("token-count"), "3 tokens");
    // The filters live in the URL: a reload keeps them.
    assert.match(page.url(), /\/settings\/api\?created=7d&state=enabled$/);
    await page.reload();
    await page.locator(".token-item").first().waitFor();
    assert.equal(await page.locator("#state").inputValue(), "enabled");
    assert.equal(await page.locator("#created").inputValue(), "7d");
    await countIs(items, 3, "after the reload");
    await shot("en-tokens-filtered");
    // Disabling a token under "enabled" takes it out of the list and the count at once.
    await card.getByRole("button", { name: "More" }).click();
    await card.getByRole("menuitem", { name: "Disable" }).click();
    await confirmDialog("Disable");
    await countIs(items, 2, "disabled under the enabled filter");
    await textIs(page.getByTestId("token-count"), "2 tokens");
    await page.selectOption("#state", "disabled");
    await countIs(items, 1, "the disabled one");
    await card.getByRole("button", { name: "More" }).click();
    await card.getByRole("menuitem", { name: "Enable" }).click();
    await confirmDialog("Enable");
    await countIs(items, 0, "enabled again, under the disabled filter");
    await page.getByRole("button", { name: "Clear all" }).click();
    assert.match(page.url(), /\/settings\/api$/);
    assert.equal(await page.locator("#state").inputValue(), "");
    assert.equal(await page.locator("#created").inputValue(), "");
    await countIs(items, 3, "Clear all");
    await shot("en-tokens");
  });

  await step("the list as a table on wide screens: state first, SID with copy, whole row opens the token", async () => {
    await layout(null);
    await page.reload();
    const table = page.getByTestId("token-table");
    await table.waitFor();
    const heads = (await table.locator("thead th").allInnerTexts()).map((h) => h.trim());
    assert.deepEqual(heads.slice(0, 6), ["State", "Name", "Account SID", "API version", "Created", "Last used"]);
    const row = table.locator(`tr[data-sid="${sid}"]`);
    assert.equal((await row.locator("td").first().innerText()).trim(), "Enabled", "the state comes first");
    assert.equal(await row.locator("td code").innerText(), sid);
    // The SID stays on one line.
    const box = await row.locator("td code").boundingBox();
    assert.ok(box.height < 30, `the SID wraps (${box.height} px high)`);
    await row.getByRole("button", { name: "Copy Account SID" }).click();
    await page.waitForTimeout(200);
    assert.equal(await clipboard(), sid);
    assert.match(page.url(), /\/settings\/api$/, "the copy button does not open the token");
    const rowHeight = (await row.boundingBox()).height;
    // Rows this low fit a dozen tokens or more on a 900 px high screen (cards fit about four).
    assert.ok(rowHeight <= 48, `a row is ${rowHeight} px high`);
    await shot("en-tokens-table");
    await row.locator("td").nth(3).click();
    await page.waitForURL(new RegExp(`/settings/api/${sid}$`));
    await page.goBack();
    await table.waitFor();
    // The choice is kept: cards, then the table again.
    await page.getByRole("group", { name: "Layout" }).getByRole("button", { name: "Cards" }).click();
    await page.locator(`li.token-card[data-sid="${sid}"]`).waitFor();
    assert.equal(await page.getByRole("button", { name: "Cards" }).getAttribute("aria-pressed"), "true");
    // Denser: a row takes at most a third of a card's height.
    const cardHeight = (await page.locator(`li.token-card[data-sid="${sid}"]`).boundingBox()).height;
    assert.ok(rowHeight * 3 <= cardHeight, `a row is ${rowHeight} px high, a card ${cardHeight} px`);
    await page.reload();
    await page.locator(`li.token-card[data-sid="${sid}"]`).waitFor();
    // A click on a card (not on a control) opens its token too.
    await page.locator(`li.token-card[data-sid="${sid}"] .token-facts dt`).first().click();
    await page.waitForURL(new RegExp(`/settings/api/${sid}$`));
    await page.goBack();
    await page.getByRole("button", { name: "Table" }).click();
    await table.waitFor();
  });

  await keyboardSteps(sid);

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
    const card = page.locator(`.token-item[data-sid="${old}"]`);
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
    const card = page.locator(`.token-item[data-sid="${sid}"]`);
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
    const card = page.locator(`.token-item[data-sid="${sid}"]`);
    await card.getByRole("button", { name: "More" }).click();
    await card.getByRole("menuitem", { name: "Disable" }).click();
    await confirmDialog("Disable");
    await card.getByText("Disabled", { exact: true }).waitFor();
    assert.match(await card.getAttribute("class"), /token-disabled/, "a disabled token looks muted");
    const bg = await card.evaluate((el) => getComputedStyle(el).backgroundColor);
    const enabledBg = await page.locator(`.token-item:not(.token-disabled)`).first().evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.notEqual(bg, enabledBg, "a disabled row has its own background");
    await shot("en-tokens-disabled");
    assert.equal(await edge("/v1/verify", sid, newToken), 401);
    await card.getByRole("button", { name: "More" }).click();
    await card.getByRole("menuitem", { name: "Enable" }).click();
    await confirmDialog("Enable");
    await card.getByText("Enabled", { exact: true }).waitFor();
    assert.equal(await edge("/v1/verify", sid, newToken), 200);
  });

  await step("edit scopes and update", async () => {
    await page.locator(`.token-item[data-sid="${sid}"] .token-name`).click();
    await page.waitForURL(new RegExp(`/settings/api/${sid}$`));
    await page.getByRole("heading", { name: "API scopes" }).waitFor();
    assert.equal(await page.getByTestId("sid").innerText(), sid);
    // Usage: a chart of 30 days with a table of the same numbers.
    const usage = page.getByTestId("usage");
    await usage.locator("svg.usage-chart").waitFor();
    await usage.getByText("Show as a table").click();
    assert.equal(await usage.locator("tbody tr").count(), 30);
    // Revealing the stored Auth Token asks for the password again (sudo mode), said beside
    // the field when wrong; then no second prompt within the window.
    await page.getByTestId("reveal-token").click();
    const sudo = page.getByRole("dialog", { name: "Confirm your password" });
    await sudo.waitFor();
    assert.equal((await focused()).inDialog, true, "focus moves into the password dialog");
    await shot("en-sudo");
    await sudo.getByLabel("Password").fill("not-my-password");
    await sudo.getByRole("button", { name: "Confirm", exact: true }).click();
    await sudo.getByText("Your current password is not right.").waitFor();
    assert.equal(await sudo.getByLabel("Password").getAttribute("aria-invalid"), "true");
    assert.equal(await page.getByTestId("revealed-token").count(), 0, "nothing revealed on a wrong password");
    await shot("en-sudo-wrong");
    await sudo.getByLabel("Password").fill(ADMIN_PASSWORD);
    await sudo.getByRole("button", { name: "Confirm", exact: true }).click();
    await page.getByTestId("revealed-token").waitFor();
    assert.equal(await page.getByTestId("revealed-token").innerText(), newToken);
    await page.getByRole("button", { name: "Copy Auth Token" }).click();
    await page.waitForTimeout(300);
    assert.equal(await clipboard(), newToken);
    await page.getByRole("button", { name: "Hide Auth Token" }).click();
    assert.equal(await page.getByTestId("revealed-token").count(), 0);
    await page.getByTestId("reveal-token").click();
    await page.getByTestId("revealed-token").waitFor();
    assert.equal(await sudo.count(), 0, "no second prompt within the sudo window");
    await page.getByRole("button", { name: "Hide Auth Token" }).click();
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
    leave.answer = false;
    await page.getByRole("link", { name: "Users" }).click();
    await page.waitForTimeout(200);
    assert.deepEqual(dialogs, [["confirm", "This token has changes you have not saved. Leave this page and lose them?"]]);
    assert.match(page.url(), new RegExp(`/settings/api/${sid}$`), "stayed on the page");
    assert.equal(await page.locator("#description").inputValue(), "not saved yet");
    await page.reload();
    assert.equal(dialogs.at(-1)[0], "beforeunload", "a reload asks too");
    await page.locator("#description").waitFor();
    await page.locator("#description").fill("again not saved");
    leave.answer = true;
    await page.getByRole("link", { name: "Users" }).click();
    await page.waitForURL(/\/settings\/users$/);
    leave.answer = false;
    // The browser's Back out of the page asks too; staying keeps the page and the edit.
    await page.goto(BASE + "/settings/api");
    await page.locator(`.token-item[data-sid="${sid}"] .token-name`).click();
    await page.waitForURL(new RegExp(`/settings/api/${sid}$`));
    await page.locator("#description").fill("Back should ask");
    dialogs.length = 0;
    await page.goBack();
    await page.waitForTimeout(300);
    assert.deepEqual(dialogs, [["confirm", "This token has changes you have not saved. Leave this page and lose them?"]]);
    assert.match(page.url(), new RegExp(`/settings/api/${sid}$`), "Back stayed on the page");
    assert.equal(await page.locator("#description").inputValue(), "Back should ask");
    leave.answer = true;
    await page.goBack();
    await page.waitForURL(/\/settings\/api$/);
    await page.locator(".token-item").first().waitFor();
    leave.answer = false;
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
    await page.locator(".token-item").first().waitFor();
    assert.equal(await page.locator(`.token-item[data-sid="${sid}"]`).count(), 0);
    assert.equal(await edge("/v1/verify", sid, newToken), 401);
  });


  await pageSteps();

  await step("axe-core: no WCAG 2.2 A/AA violation on any page state, in each language", async () => {
    console.log(`    ${axeStates} page states checked, ${axeFindings.length} violations`);
    assert.ok(axeStates >= 140, `only ${axeStates} page states were checked`);
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
