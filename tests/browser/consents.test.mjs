// The person's consents in a real browser (issue 27): the registered employer asks (its
// system, over the API); the person finds the request from the account page, reads who asks
// and why, accepts with the keyboard alone, sees the extract the employer pulled in the
// history (and the employer's PDF of it checked at /verificare), and withdraws. axe on every
// page state, in both languages, at 1280 and 320 px.

import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chromium } from "playwright-core";
import {
  BASE, CHROMIUM_ARGS, axeResults, tabTo, audit, register, employerToken, validatedCitizen,
} from "./helpers.mjs";

let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
  });
});

after(async () => {
  await browser?.close();
  for (const line of axeResults) console.log(line);
});

/** The employer's system asks `cnp` for consent; the consent's id. */
async function employerAsks(cnp, until) {
  const token = await employerToken("extract:ANGAJARE");
  const reason = "Angajare conducător auto pe linia 24, cu program de noapte și în weekend";
  const asked = await fetch(`${BASE}/v1/consent-requests`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ cnp, purpose: "ANGAJARE", reason, ...(until ? { until } : {}) }),
  });
  assert.equal(asked.status, 202);
  return { id: (await asked.json()).consent_id, token };
}

for (const lang of ["ro", "en"]) {
  test(`a person answers and withdraws a consent with the keyboard alone (${lang})`, async () => {
    const context = await browser.newContext({ locale: lang === "ro" ? "ro-RO" : "en-GB", bypassCSP: true });
    const page = await context.newPage();
    const { cnp } = await validatedCitizen(page, `consent-${lang}`);
    const until = new Date(Date.now() + 90 * 864e5).toISOString().slice(0, 10);
    const { id, token } = await employerAsks(cnp, until);

    // From the account page to the request.
    await page.goto(`${BASE}/cont`);
    // The account page says a request waits.
    assert.match(await page.textContent("main .notice"), lang === "ro" ? /O cerere de consimțământ/ : /1 request for consent/);
    await tabTo(page, 'main a[href="/consimtaminte"]');
    await page.keyboard.press("Enter");
    await page.waitForURL("**/consimtaminte");
    assert.ok((await page.textContent("main")).includes("Dunărea Logistic SA"), "the registered name");
    assert.equal(await page.getAttribute('nav a[aria-current="page"]', "href"), "/consimtaminte", "the menu says where one is");
    await audit(page, `${lang}-k1-consents`);
    // The desk code page, with a wrong code: said beside the field and in the summary.
    await page.goto(`${BASE}/consimtaminte/cod`);
    await audit(page, `${lang}-k1b-desk-code`);
    await page.fill("#code", "ABCD-EFGH");
    await page.click("button.primary");
    await page.waitForSelector(".summary");
    // Its own words (not the registration code's "five tries").
    assert.match(await page.textContent(".summary"), lang === "ro" ? /funcționarului un cod nou/ : /Ask the clerk for a new code/);
    await audit(page, `${lang}-k1c-desk-code-wrong`);
    await page.goto(`${BASE}/consimtaminte`);
    await tabTo(page, `a[href="/consimtaminte/${id}"]`);
    await page.keyboard.press("Enter");
    await page.waitForURL(`**/consimtaminte/${id}`);
    assert.ok((await page.textContent("main")).includes("linia 24"), "the reason");
    await audit(page, `${lang}-k2-consent-asked`);
    await page.setViewportSize({ width: 320, height: 800 });
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 320, `no sideways scrolling at 320 px (${wide})`);
    await audit(page, `${lang}-k2-consent-asked-320`);
    await page.setViewportSize({ width: 1280, height: 800 });

    // Accepted with the keyboard: post/redirect/get back to the consent, now given.
    await tabTo(page, 'input[value="accept"] ~ button');
    await page.keyboard.press("Enter");
    // The same address after the redirect: the message says the page came back.
    await page.waitForSelector('[role="status"]');
    assert.equal(await page.locator('input[value="accept"]').count(), 0, "answered once");
    assert.equal(await page.locator('[role="status"]').count(), 1, "the answer is said");
    assert.ok(await page.evaluate(() => document.activeElement?.getAttribute("role") === "status"),
      "read first: focus on what the answer did");
    assert.match(await page.title(), lang === "ro" ? /^Acceptat — / : /^Accepted — /, "the tab says it too");
    await audit(page, `${lang}-k3-consent-given`);

    // The employer pulls an extract; the person sees it in the history, by its number.
    const pulled = await fetch(`${BASE}/v1/consents/${id}/extract`, {
      method: "POST", headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(pulled.status, 201);
    const { number } = await pulled.json();
    await page.reload();
    assert.ok((await page.textContent("main")).includes(number), "the pull is in the history");
    await audit(page, `${lang}-k4-consent-history`);

    // The employer keeps it as a PDF too; whoever it is shown to checks that at /verificare,
    // without an account: a genuine extract, for whom (not "not issued here").
    const asPdf = await fetch(`${BASE}/v1/consents/${id}/extract`, {
      method: "POST", headers: { authorization: `Bearer ${token}`, accept: "application/pdf" },
    });
    assert.equal(asPdf.status, 201);
    assert.equal(asPdf.headers.get("content-type"), "application/pdf");
    const checker = await browser.newContext({ locale: lang === "ro" ? "ro-RO" : "en-GB", bypassCSP: true });
    const desk = await checker.newPage();
    await desk.goto(`${BASE}/verificare`);
    await desk.setInputFiles("#document", {
      name: "extras.pdf", mimeType: "application/pdf", buffer: Buffer.from(await asPdf.arrayBuffer()),
    });
    await desk.click("#by-document button.primary");
    await desk.waitForSelector("#document-result");
    const said = await desk.textContent("#document-result");
    assert.match(said, lang === "ro" ? /un extras din cazier emis de acest serviciu/ : /a criminal record extract this service issued/);
    assert.ok(said.includes("Dunărea Logistic SA"), "the organisation it was issued to");
    await audit(desk, `${lang}-k4b-extract-checked`);
    await desk.setViewportSize({ width: 320, height: 800 });
    const narrow = await desk.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(narrow <= 320, `no sideways scrolling at 320 px (${narrow})`);
    await audit(desk, `${lang}-k4b-extract-checked-320`);
    await checker.close();

    // Withdrawn: at once, and said so.
    await tabTo(page, 'input[value="revoke"] ~ button');
    await page.keyboard.press("Enter");
    await page.waitForSelector('[role="status"]');
    assert.equal(await page.locator('input[value="revoke"]').count(), 0);
    await audit(page, `${lang}-k5-consent-withdrawn`);
    const refused = await fetch(`${BASE}/v1/consents/${id}/extract`, {
      method: "POST", headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(refused.status, 409);
    await page.goto(`${BASE}/consimtaminte`);
    await audit(page, `${lang}-k6-consents-ended`);
    await context.close();
  });
}

test("an account not yet validated is told why it sees no requests", async () => {
  const context = await browser.newContext({ locale: "ro-RO", bypassCSP: true });
  const page = await context.newPage();
  await register(page, "consent-unvalidated");
  await page.goto(`${BASE}/consimtaminte`);
  assert.equal(await page.locator('main a[href="/cont"]').count() >= 1, true);
  await audit(page, "ro-k7-consents-not-validated");
  await context.close();
});

/** The current code of an authenticator app, from pyotp (an independent implementation). */
function totp(secret) {
  return execFileSync(".venv/bin/python", ["-c", "import pyotp, sys; print(pyotp.TOTP(sys.argv[1]).now())", secret], { encoding: "utf8" }).trim();
}

/** Both widths: axe, and no sideways scrolling at 320 px. */
async function auditBoth(page, name) {
  await audit(page, name);
  await page.setViewportSize({ width: 320, height: 800 });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 320, `${name}: no sideways scrolling at 320 px (${wide})`);
  await audit(page, `${name}-320`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

test("an institution's clerk asks at the desk, the person answers on their phone, the clerk downloads the sealed extract", async () => {
  const staffContext = await browser.newContext({ locale: "ro-RO", bypassCSP: true, acceptDownloads: true });
  const clerk = await staffContext.newPage();
  // Signs in as clerks do: the password, then the code of their authenticator app.
  await clerk.goto(`${BASE}/autentificare`);
  await clerk.fill("#email", process.env.CAZIER_STAFF_EMAIL);
  await clerk.fill("#password", process.env.CAZIER_STAFF_PASSWORD);
  await clerk.click("button.primary");
  await clerk.waitForURL("**/autentificare/cod");
  await clerk.fill("#totp", totp(process.env.CAZIER_STAFF_SECRET));
  await clerk.click("button.primary");
  await clerk.waitForURL("**/organizatie");
  assert.ok((await clerk.textContent("main")).includes("Autoritatea Rutieră Română"), "in the organisation's name");
  await auditBoth(clerk, "ro-s1-organisation");
  // A citizen's pages are not theirs.
  assert.equal((await clerk.goto(`${BASE}/consimtaminte`)).status(), 403);

  const personContext = await browser.newContext({ locale: "ro-RO", bypassCSP: true });
  const phone = await personContext.newPage();
  const { cnp } = await validatedCitizen(phone, "desk-consent");

  // The request form: sent empty, every problem said; then filled, with the person at the desk.
  await clerk.goto(`${BASE}/organizatie/cerere`);
  await auditBoth(clerk, "ro-s2-ask");
  await clerk.click("main button.primary");
  await clerk.waitForSelector(".summary");
  assert.match(await clerk.textContent(".summary"), /CNP/);
  await audit(clerk, "ro-s3-ask-errors");
  await clerk.fill("#cnp", cnp);
  await clerk.fill("#reason", "Atestat profesional transport persoane");
  await clerk.check("#at_desk");
  await clerk.click("main button.primary");
  // Checked before it is sent: the whole CNP once more, nothing sent yet.
  await clerk.waitForSelector('input[name="step"][value="send"]', { state: "attached" });
  assert.ok((await clerk.textContent("main")).includes(cnp), "the CNP to check");
  await auditBoth(clerk, "ro-s3b-ask-check");
  await clerk.click('form:has(input[value="send"]) button');
  await clerk.waitForURL("**/organizatie/consimtaminte/*");
  const code = (await clerk.textContent("main .code span[aria-hidden]")).replace(/\s/g, "");
  assert.match(code, /^[A-Z0-9]{4}-[A-Z0-9]{4}$/, "a desk code to show");
  assert.ok((await clerk.textContent("main")).includes(cnp.slice(9)), "whose, by the CNP's end");
  assert.ok(!(await clerk.textContent("main")).includes(cnp), "never the whole CNP");
  await auditBoth(clerk, "ro-s4-asked-at-desk");
  const consentUrl = clerk.url();
  // Shown once: a reload does not show it again (nor make another).
  await clerk.reload();
  assert.equal(await clerk.locator("main .code").count(), 0);

  // On the person's phone: the code, then the request, accepted.
  await phone.goto(`${BASE}/consimtaminte/cod`);
  await phone.fill("#code", code);
  await phone.click("button.primary");
  await phone.waitForURL("**/consimtaminte/*");
  assert.ok((await phone.textContent("main")).includes("Autoritatea Rutieră Română"));
  await phone.click('input[value="accept"] ~ button');
  await phone.waitForSelector('[role="status"]');

  // The clerk sees the answer and downloads the extract, sealed.
  await clerk.goto(consentUrl);
  assert.match(await clerk.title(), /^Acceptat — /);
  const [download] = await Promise.all([
    clerk.waitForEvent("download"),
    clerk.click('form[action$="/extras"] button'),
  ]);
  assert.match(download.suggestedFilename(), /^extras-EX-\d{4}-[0-9A-F]{12}\.pdf$/);
  const fs = await import("node:fs/promises");
  const pdf = await fs.readFile(await download.path());
  assert.equal(pdf.subarray(0, 5).toString(), "%PDF-");
  assert.ok(!pdf.includes(Buffer.from(cnp)), "no CNP in the extract");
  // A one-off consent: used by that download; the page says so, nothing more to pull.
  await clerk.goto(consentUrl);
  assert.equal(await clerk.locator('form[action$="/extras"]').count(), 0);
  await auditBoth(clerk, "ro-s5-consent-used");
  // The person sees the pull in the history.
  await phone.reload();
  assert.match(await phone.textContent("main"), /EX-\d{4}-/);
  await clerk.goto(`${BASE}/organizatie`);
  await auditBoth(clerk, "ro-s6-organisation-list");
  await staffContext.close();
  await personContext.close();
});
