// Browser steps over the other pages: stored markup shown as text, every page in Japanese
// and Chinese, policies, the usage chart, a leaked token, 360 px, the embedded token
// manager, a standard user. Run by e2e.mjs after the token steps.
import { sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, normalize } from "node:path";
import assert from "node:assert/strict";
import { BASE, EDGE, ADMIN_EMAIL, ADMIN_PASSWORD, STD_EMAIL, STD_PASSWORD, SHOTS, PKG, EXAMPLE, SCANNER_KEY, SCANNER_KEY_ID, browser, context, page, dialogs, leave, step, basic, edge, shot, tabTo, focused, setLocale, clipboard, confirmDialog, layout } from "./harness.mjs";

export async function pageSteps() {
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
    const card = page.locator(`.token-item[data-sid="${result.sid}"]`);
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

  await step("every page state in English, Japanese and Chinese, checked by axe-core", async () => {
    // A fresh session (so revealing a stored token asks for the password again), signed in
    // once per language. Words come from the app's own locale files; the expected wording
    // of errors is checked in the steps that drive them.
    const tour = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 900 } });
    const tp = await tour.newPage();
    const errors = [];
    tp.on("pageerror", (e) => errors.push(String(e)));
    tp.on("console", (m) => { if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) errors.push(m.text()); });
    tp.on("dialog", (d) => d.accept());
    const older = await page.evaluate(async () => {
      const s = await (await fetch("/api/session")).json();
      const r = await fetch("/api/tokens", { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": s.csrf_token },
        body: JSON.stringify({ name: "Tour token", primary_contact: s.user.id, scopes: ["reports.read"], api_version: "2025-04-01" }) });
      return (await r.json()).token.sid;
    });
    const L = Object.fromEntries([["en", "en"], ["ja", "ja"], ["zh-CN", "zh"]].map(([tag, file]) =>
      [tag, JSON.parse(readFileSync(new URL(`../../web/locales/${file}.json`, import.meta.url), "utf8"))]));
    const open = async (path) => {
      await tp.goto(BASE + path);
      await tp.locator("main h1").first().waitFor();
    };
    const primary = (scope) => tp.locator(`${scope} .button.primary`);
    const escape = async () => {
      await tp.keyboard.press("Escape");
      await tp.locator("dialog[open]").waitFor({ state: "detached" }).catch(() => {});
      await tp.waitForFunction(() => !document.querySelector("dialog[open]"), null, { timeout: 2000 });
    };
    const nameError = { en: "Enter a name.", ja: "名前を入力してください。", "zh-CN": "请输入名称。" };
    for (const tag of ["en", "ja", "zh-CN"]) {
      const t = (key) => L[tag][key];
      const S = (state) => shot(`${tag}-${state}`, tp);
      await tp.goto(BASE + "/login");
      await tp.locator("#email").waitFor();
      await tp.selectOption("#locale", tag);
      await tp.getByRole("heading", { name: t("login.title") }).waitFor();
      await S("login");
      await tp.locator("#email").fill(ADMIN_EMAIL);
      await tp.locator("#password").fill(ADMIN_PASSWORD);
      await tp.locator("form button[type=submit]").click();
      await tp.getByRole("heading", { name: t("tokens.title") }).waitFor();
      assert.equal(await tp.evaluate(() => document.documentElement.lang), tag);
      await tp.locator(`tr[data-sid="${older}"]`).waitFor();
      await S("tokens");
      // The menu, and each confirmation it opens (cancelled).
      const row = tp.locator(`tr[data-sid="${older}"]`);
      await row.getByRole("button", { name: t("tokens.more") }).click();
      await row.getByRole("menu").waitFor();
      await S("menu-open");
      for (const key of ["menu.duplicate", "menu.reset", "menu.upgrade", "menu.disable", "menu.delete"]) {
        if (!(await row.getByRole("menu").count())) await row.getByRole("button", { name: t("tokens.more") }).click();
        await row.getByRole("menuitem", { name: t(key), exact: true }).click();
        await tp.locator("dialog[open]").waitFor();
        if (key === "menu.reset") {
          // The help pages' wording: "Reset token", 重置令牌.
          const label = (await tp.locator("dialog[open] .dialog-actions button").last().innerText()).trim();
          assert.equal(label, { en: "Reset token", ja: "トークンをリセット", "zh-CN": "重置令牌" }[tag]);
        }
        await S(`confirm-${key.slice(5)}`);
        await escape();
      }
      await tp.getByRole("group", { name: t("tokens.layout") }).getByRole("button", { name: t("tokens.cards") }).click();
      await tp.locator(`li.token-card[data-sid="${older}"]`).waitFor();
      await S("tokens-cards");
      await tp.getByRole("group", { name: t("tokens.layout") }).getByRole("button", { name: t("tokens.table") }).click();
      // The wizard: each step with its error, then filled; the new credentials.
      await open("/settings/api/new");
      const next = primary(".wizard-actions");
      await next.click();
      await tp.locator("#err-name").getByText(nameError[tag]).waitFor();
      await S("wizard-1-error");
      await tp.locator("#name").fill(`Tour ${tag}`);
      await S("wizard-1-setup");
      await next.click();
      await tp.getByRole("heading", { name: t("wizard.step2") }).waitFor();
      await next.click();
      await tp.locator("#err-primary_contact").waitFor();
      await S("wizard-2-error");
      await tp.selectOption("#contact", { index: 1 });
      await S("wizard-2-contact");
      await next.click();
      await tp.getByRole("heading", { name: t("wizard.step3") }).waitFor();
      await next.click();
      await tp.locator("#err-scopes").waitFor();
      await S("wizard-3-error");
      await tp.locator('fieldset[data-category="reports"] input[role=switch]').check();
      await S("wizard-3-scopes");
      await next.click();
      await tp.locator("dl.review").waitFor();
      await S("wizard-4-create");
      await next.click();
      const issued = tp.getByRole("dialog", { name: t("done.title") });
      await issued.waitFor();
      await S("issued");
      await issued.getByRole("button", { name: t("done.back") }).click();
      await tp.waitForURL(/\/settings\/api$/);
      // A token's page: as loaded, a refused update, the password dialog before a reveal.
      await open(`/settings/api/${older}`);
      await tp.locator("#name").waitFor();
      await S("edit");
      await tp.locator("#name").fill("");
      await primary(".edit-actions").click();
      await tp.locator("dialog[open]").waitFor();
      await S("confirm-update");
      await tp.locator("dialog[open] .dialog-actions button").last().click();
      await tp.locator("#err-name").waitFor();
      await S("edit-error");
      await tp.getByTestId("reveal-token").click();
      await tp.getByRole("dialog", { name: t("sudo.title") }).waitFor();
      await S("sudo");
      await tp.locator("#sudo-password").fill("not-the-password");
      await tp.locator("dialog[open] button[type=submit]").click();
      await tp.locator("#err-password").waitFor();
      await S("sudo-wrong");
      await escape();
      // The other pages, and addresses that name nothing.
      for (const [name, path] of [["users", "/settings/users"], ["account", "/settings/account"], ["audit", "/settings/audit"],
        ["security", "/settings/api/security"], ["notifications", "/settings/notifications"]]) {
        await open(path);
        await tp.waitForTimeout(200);
        await S(name);
      }
      for (const [name, path] of [["not-found", "/settings/nowhere"], ["unknown-token", "/settings/api/TGSIDnosuchtoken00000000000000"]]) {
        await tp.goto(BASE + path);
        await tp.getByTestId("not-found").getByRole("heading", { name: t("app.not_found") }).waitFor();
        await S(name);
      }
      await tp.getByRole("button", { name: t("app.sign_out") }).click();
      await tp.waitForURL(/\/login$/);
    }
    // The audit log names the fields an edit changed as the app labels them.
    await page.goto(BASE + "/settings/audit");
    await page.locator("table tbody tr").first().waitFor();
    const audit = await page.locator("table").innerText();
    assert.ok(audit.includes("API scopes") && !/[(,]\s*(scopes|description)\s*[,)]/.test(audit), audit.slice(0, 600));
    await tour.close();
    assert.deepEqual(errors, []);
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
    // The table marks the token leaked; the cards show the whole banner.
    await page.goto(BASE + "/settings/api");
    await setLocale("en");
    await layout("table");
    await page.reload();
    await page.locator(`tr[data-sid="${LEAK_SID}"]`).getByText("Leaked").waitFor();
    await layout("cards");
    for (const [tag, [title, nav, kept, event]] of Object.entries(words)) {
      await page.goto(BASE + "/settings/api");
      await setLocale(tag);
      const banner = page.locator(`.token-item[data-sid="${LEAK_SID}"]`).getByTestId("leak-banner");
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
    const card = page.locator(`.token-item[data-sid="${LEAK_SID}"]`);
    await card.waitFor();
    assert.equal(await card.getByTestId("leak-banner").count(), 0, "the banner is gone after the reset");
    await layout("table");
    assert.equal(await edge("/v1/verify", LEAK_SID, LEAK_TOKEN), 401, "the leaked token stays refused");
    assert.equal(await edge("/v1/verify", LEAK_SID, fresh), 401, "still disabled until enabled");
  });

  await step("usable at 360 px: no sideways page, dates on one line, the new secret never covered", async () => {
    await page.setViewportSize({ width: 360, height: 780 });
    await layout(null);
    const pages = [["tokens", "/settings/api"], ["wizard", "/settings/api/new"], ["audit", "/settings/audit"],
      ["notifications", "/settings/notifications"], ["users", "/settings/users"], ["account", "/settings/account"]];
    for (const tag of ["en", "ja", "zh-CN"]) {
      await page.goto(BASE + "/settings/api");
      await setLocale(tag);
      // Narrow screens get cards by default.
      await page.locator("li.token-card").first().waitFor();
      assert.equal(await page.getByTestId("token-table").count(), 0);
      for (const [name, path] of pages) {
        await page.goto(BASE + path);
        await page.locator("main h1").first().waitFor();
        await page.waitForTimeout(200);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 1, `${tag} ${name}: the page scrolls sideways by ${overflow}px`);
        await shot(`${tag}-${name}-360`);
        if (name === "audit") {
          // When, on one line (it wrapped onto four).
          const lines = await page.locator("table tbody tr td").first().evaluate((td) => {
            const r = document.createRange();
            r.selectNodeContents(td);
            return new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size;
          });
          assert.equal(lines, 1, `${tag}: the audit date takes ${lines} lines`);
        }
      }
    }
    await setLocale("en");
    // A reset at 360 px: the new Auth Token is on top of everything, the toast included.
    await page.goto(BASE + "/settings/api");
    const card = page.locator("li.token-card:not(.token-disabled)").first();
    await card.getByRole("button", { name: "More" }).click();
    await card.getByRole("menuitem", { name: "Reset" }).click();
    await confirmDialog("Reset token");
    const secret = page.getByTestId("issued-token");
    await secret.waitFor();
    await page.locator(".toast").first().waitFor();
    await secret.scrollIntoViewIfNeeded();
    const covered = await secret.evaluate((code) => {
      const b = code.getBoundingClientRect();
      const points = [[b.left + 2, b.top + 2], [b.right - 2, b.top + 2], [b.left + 2, b.bottom - 2], [b.right - 2, b.bottom - 2],
        [(b.left + b.right) / 2, (b.top + b.bottom) / 2]];
      return points.filter(([x, y]) => !code.contains(document.elementFromPoint(x, y))).length;
    });
    assert.equal(covered, 0, "a part of the new Auth Token is covered");
    await shot("en-issued-360");
    await page.getByRole("dialog").getByRole("button", { name: "Back to tokens" }).click();
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
    await widget.locator(".token-item").first().waitFor();
    const listed = await widget.locator(".token-item").count();
    const api = await hp.evaluate(async () => (await (await fetch("/api/tokens?limit=100")).json()).total);
    assert.equal(listed, api, "the widget lists the account's tokens");
    await hp.screenshot({ path: `${SHOTS}/en-embedded.png`, fullPage: true });

    // Moving around inside the widget leaves the host page's URL and history alone.
    await widget.locator(".token-item .token-name").first().click();
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
    await widget.locator(".token-item").first().waitFor();
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
    assert.equal(await page.locator(".token-item").count(), 0);
    assert.equal(await page.locator("nav.nav a").count(), 0);
    await shot("en-standard-user");
  });

}
