// Browser steps by keyboard: the ⋯ menu and the confirmation dialogs, the skip link and
// focus on each new page and wizard step, and a token created, edited, reset and deleted by
// keyboard alone. Run by e2e.mjs after the list steps, on the token `sid` they made.
import assert from "node:assert/strict";
import { BASE, page, step, shot, tabTo, focused } from "./harness.mjs";

export async function keyboardSteps(sid) {
  await step("the ⋯ menu and the dialogs by keyboard (menu-button pattern, focus kept in the dialog)", async () => {
    const card = page.locator(`.token-item[data-sid="${sid}"]`);
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
    await page.locator(".token-item").first().waitFor();
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
    await page.locator(".token-item").first().waitFor();
  });

  await step("by keyboard alone: create, edit, reset and delete a token", async () => {
    await page.goto(BASE + "/settings/api");
    await page.locator(".token-item").first().waitFor();
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
    // From the list to the token's page, and a button whose confirmation has the same name.
    const openByKeyboard = async () => {
      await page.locator(`.token-item[data-sid="${kbSid}"]`).waitFor();
      await tabTo({ name: "Keyboard only" });
      await page.keyboard.press("Enter");
      await page.waitForURL(new RegExp(`/settings/api/${kbSid}$`));
    };
    const confirmByKeyboard = async (name) => {
      await tabTo({ name });
      await page.keyboard.press("Enter");
      await page.getByRole("dialog").waitFor();
      await tabTo({ name }, `the dialog's ${name}`);
      await page.keyboard.press("Enter");
    };
    await tabTo({ name: "Back to tokens" });
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/settings\/api$/);
    // Edit: open the token from the list, change the description, update.
    await openByKeyboard();
    await tabTo({ id: "description" });
    await page.keyboard.type("typed, not clicked");
    await confirmByKeyboard("Update");
    await page.getByText("Token updated").first().waitFor();
    // Reset, then back to the list.
    await confirmByKeyboard("Reset token");
    await issued.waitFor();
    await tabTo({ name: "Back to tokens" });
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/settings\/api$/);
    // Delete from its page.
    await openByKeyboard();
    await page.locator("#description").waitFor();
    await confirmByKeyboard("Delete");
    await page.waitForURL(/\/settings\/api$/);
    await page.locator(".token-item").first().waitFor();
    assert.equal(await page.locator(`.token-item[data-sid="${kbSid}"]`).count(), 0);
    const saved = await page.evaluate(async (sid) => (await fetch(`/api/tokens/${sid}`)).status, kbSid);
    assert.equal(saved, 404);
  });
}
