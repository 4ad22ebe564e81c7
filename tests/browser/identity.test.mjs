// Who someone is, in a real browser: the attack of issue 21 (a validation link sent to the
// victim) refused while the same flow in the starting browser works (tests/browser/
// portal.test.mjs), forgotten and changed passwords, and a clerk's second factor, with codes
// from an independent TOTP implementation (pyotp). Every page checked by axe-core.

import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chromium } from "playwright-core";
import {
  BASE, CHROMIUM_ARGS, PASSWORD, axeResults, audit, mailedLine, register, tabTo,
} from "./helpers.mjs";

let browser;

before(async () => {
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  for (const line of axeResults) console.log(line);
});

test("a ghiseul.ro validation link opened in the victim's browser validates nothing", async () => {
  const victim = await browser.newContext({ locale: "en-GB" });
  const mallory = await browser.newContext({ locale: "en-GB" });
  const attacker = await mallory.newPage();
  // Mallory registers with Victor's CNP (a CNP is no secret) and starts a validation.
  const { cnp } = await register(attacker, "mallory", ["Orice", "Nume"]);
  await attacker.click('form[action="/cont/ghiseul"] button');
  await attacker.waitForURL("**/dev/ghiseul/autentificare**");
  const link = attacker.url();
  // "Please validate your identity": Victor opens the link and passes 3-D Secure.
  const page = await victim.newPage();
  await page.goto(link);
  await page.fill("#cnp", cnp);
  await page.fill("#family_name", "Real");
  await page.fill("#given_name", "Victim");
  await page.click("#confirm");
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/cont/ghiseul/raspuns")),
    page.click("#return"),
  ]);
  assert.equal(answer.status(), 422);
  assert.match(await page.textContent("main"), /another browser/);
  assert.match(await page.title(), /another browser/);
  await audit(page, "en-i1-validation-started-elsewhere");
  // Mallory's account is not validated, and cannot be with that answer.
  await attacker.goto(`${BASE}/cont`);
  assert.equal(await attacker.locator('a.primary[href="/cereri/noua"]').count(), 0);
  await attacker.goto(`${BASE}/cont/validare`);
  assert.equal(await attacker.locator('form[action="/cont/validare"]').count(), 0);
  await victim.close();
  await mallory.close();
});

test("a forgotten password is reset by an e-mailed link that works once", async () => {
  const context = await browser.newContext({ locale: "ro-RO" });
  const page = await context.newPage();
  const { email } = await register(page, "reset");
  await tabTo(page, "button.linkbtn");
  await page.keyboard.press("Enter");
  await page.waitForURL(`${BASE}/`);
  await page.goto(`${BASE}/autentificare`);
  await page.click('a[href="/parola/uitata"]');
  await page.waitForURL("**/parola/uitata");
  await audit(page, "ro-p1-forgot");
  await page.fill("#email", email);
  await page.click("button.primary");
  await page.waitForURL("**/parola/uitata");
  await audit(page, "ro-p2-forgot-sent");
  const link = (await mailedLine(email, "http")).trim();
  const url = `http${link}`;
  assert.match(url, /\/parola\/noua\?cod=/);
  await page.goto(url);
  // The secret leaves the address bar at once.
  await page.waitForURL(`${BASE}/parola/noua`);
  await audit(page, "ro-p3-new-password");
  await page.fill("#new_password", "scurtă");
  await page.click("button.primary");
  await page.waitForSelector(".summary");
  await audit(page, "ro-p4-new-password-error");
  await page.fill("#new_password", "o parolă nouă și lungă");
  await page.click("button.primary");
  await page.waitForURL("**/autentificare");
  assert.ok(await page.locator('[role="status"]').count(), "said once");
  await page.fill("#email", email);
  await page.fill("#password", PASSWORD);
  await page.click("button.primary");
  await page.waitForSelector(".summary");
  await page.fill("#password", "o parolă nouă și lungă");
  await page.click("button.primary");
  await page.waitForURL("**/cont");
  // The link again: it works once.
  await page.goto(url);
  assert.match(await page.textContent("main"), /nu mai funcționează/);
  await audit(page, "ro-p5-link-used");
  await context.close();
});

test("changing the password signs out every other browser", async () => {
  const here = await browser.newContext({ locale: "en-GB" });
  const elsewhere = await browser.newContext({ locale: "en-GB" });
  const page = await here.newPage();
  const { email } = await register(page, "change");
  const other = await elsewhere.newPage();
  await other.goto(`${BASE}/autentificare`);
  await other.fill("#email", email);
  await other.fill("#password", PASSWORD);
  await other.click("button.primary");
  await other.waitForURL("**/cont");
  await page.click('a[href="/cont/parola"]');
  await page.waitForURL("**/cont/parola");
  await audit(page, "en-p6-change-password");
  await page.fill("#current_password", "not my password");
  await page.fill("#new_password", "another long password");
  await page.click("button.primary");
  await page.waitForSelector(".summary");
  await audit(page, "en-p7-change-password-wrong");
  await page.fill("#current_password", PASSWORD);
  await page.fill("#new_password", "another long password");
  await page.click("button.primary");
  await page.waitForURL("**/cont");
  assert.match(await page.textContent('[role="status"]'), /password was changed/);
  await audit(page, "en-p8-password-changed");
  // The other browser is signed out.
  await other.goto(`${BASE}/cont`);
  await other.waitForURL("**/autentificare");
  assert.ok(/changed/.test(await mailedLine(email, "The password of your")), "the holder is told");
  await here.close();
  await elsewhere.close();
});

/** The current code of an authenticator app, from pyotp (an independent implementation). */
function totp(secret) {
  return execFileSync(".venv/bin/python", ["-c", "import pyotp, sys; print(pyotp.TOTP(sys.argv[1]).now())", secret], { encoding: "utf8" }).trim();
}

test("a clerk with a second factor signs in with the code from their app", async () => {
  const email = process.env.CAZIER_TOTP_OPERATOR_EMAIL;
  const secret = process.env.CAZIER_TOTP_OPERATOR_SECRET;
  const context = await browser.newContext({ locale: "ro-RO" });
  const page = await context.newPage();
  await page.goto(`${BASE}/autentificare`);
  await page.fill("#email", email);
  await page.fill("#password", process.env.CAZIER_TOTP_OPERATOR_PASSWORD);
  await page.click("button.primary");
  await page.waitForURL("**/autentificare/cod");
  await audit(page, "ro-o1-second-factor");
  await page.fill("#totp", "000000");
  await page.click("button.primary");
  await page.waitForSelector(".summary");
  await audit(page, "ro-o2-second-factor-wrong");
  // A wrong code spends the sign-in: the password again, then the right code.
  await page.fill("#email", email);
  await page.fill("#password", process.env.CAZIER_TOTP_OPERATOR_PASSWORD);
  await page.click("button.primary");
  await page.waitForURL("**/autentificare/cod");
  await page.fill("#totp", totp(secret));
  await page.click("button.primary");
  await page.waitForURL("**/ghiseu");
  // Opening a citizen's page without looking them up by code: refused, and why.
  const refused = await page.goto(`${BASE}/ghiseu/cont/00000000-0000-0000-0000-000000000000`);
  assert.equal(refused.status(), 403);
  await audit(page, "ro-o3-lookup-first");
  await context.close();
});
