// The portal in a real browser: Debian's Chromium driven by playwright-core, axe-core checking
// WCAG 2.2 A/AA on every page in both languages, the whole journey with the keyboard alone,
// narrow screens, cookie flags. Screenshots of every page go to target/screenshots/.
// Run by tests/tests/browser.rs (which starts the stack and sets CAZIER_BASE_URL).
// (Long on purpose: each journey reads in order, page after page, as a user goes.)

import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";
import {
  BASE, SHOTS, OPERATOR, PASSWORD, CHROMIUM_ARGS, axeResults, newCnp, tabTo, audit,
  confirmationCode, register, employerToken,
} from "./helpers.mjs";

let browser;
/** The journeys' citizens, who asked for ANGAJARE today (for the daily-limit test, last). */
const issuedToday = [];

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

/** Chooses a radio button with the keyboard: Tab into its group, arrows to the value. */
async function choose(page, name, value) {
  await tabTo(page, `input[name="${name}"]`);
  for (let i = 0; i < 20; i++) {
    if (await page.evaluate((v) => document.activeElement?.value === v, value)) break;
    await page.keyboard.press("ArrowDown");
  }
  await page.keyboard.press("Space");
  assert.equal(await page.isChecked(`input[name="${name}"][value="${value}"]`), true);
}

/** An independent wallet library of tests/interop (npm), run with Node: its JSON output. */
function wallet(script, ...args) {
  return JSON.parse(execFileSync("node", [`tests/interop/${script}`, ...args], { encoding: "utf8" }));
}

/** The registered employer's system (not a browser) asks a holder's wallet. */
async function employerAsksWallet() {
  const token = await employerToken();
  const started = await fetch(`${BASE}/v1/presentation-requests`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: "{}",
  });
  assert.equal(started.status, 201);
  return started.json();
}

/** What a phone's camera reads off the page's QR code: zbarimg on a screenshot of it. */
async function scanQr(page, name) {
  const path = `${SHOTS}/${name}-qr.png`;
  await page.locator("svg.qr").screenshot({ path });
  return execFileSync("zbarimg", ["-q", "--raw", path], { encoding: "utf8" }).trim();
}

/** A police clerk, in a browser of their own, validates the account at the counter. */
async function validateAtCounter(code, lang) {
  const context = await browser.newContext({ locale: lang === "ro" ? "ro-RO" : "en-GB", bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${BASE}/autentificare`);
  await page.fill("#email", OPERATOR.email);
  await page.fill("#password", OPERATOR.password);
  await page.click("button.primary");
  await page.waitForURL("**/ghiseu");
  await audit(page, `${lang}-c1-console`);
  // Typed loosely, as read out at the counter.
  await page.fill("#counter_code", `${code.slice(0, 4).toLowerCase()} ${code.slice(4)}`);
  await page.click("button.primary");
  await page.waitForURL("**/ghiseu/cont/*");
  await audit(page, `${lang}-c2-registered`);
  // The checklist (photo, original and not expired, CNP, names) must be ticked.
  await page.fill("#series", "RX");
  await page.fill("#number", "123456");
  await page.click("button.primary");
  await page.waitForSelector(".summary");
  assert.equal(await page.locator("#checked").count(), 1);
  await audit(page, `${lang}-c2b-checklist`);
  await page.check("#checked");
  // A document that is not the registered one is refused, said so with the words to say,
  // and is no dead end: the CNP read off it records a newer document of the same person.
  await page.fill("#series", "XY");
  await page.fill("#number", "999999");
  await page.click("button.primary");
  await page.waitForSelector(".warn #document_cnp, #document_cnp");
  assert.equal(await page.locator(".warn").count(), 1);
  await audit(page, `${lang}-c3-mismatch`);
  // Someone else's card (another CNP): refused.
  await page.fill("#document_cnp", newCnp());
  await page.click("button.primary");
  await page.waitForSelector("#document_cnp-error");
  await audit(page, `${lang}-c3b-other-person`);
  await page.fill("#series", "RX");
  await page.fill("#number", "123456");
  await page.fill("#document_cnp", "");
  await page.click("button.primary");
  // Post/redirect/get: back on the console, told once, the citizen first in today's list.
  await page.waitForURL("**/ghiseu");
  assert.equal(await page.locator('[role="status"]').count(), 1, "the validation is said once");
  await audit(page, `${lang}-c4-validated`);
  await page.reload();
  assert.equal(await page.locator('[role="status"]').count(), 0, "a reload validates and says nothing");
  assert.ok((await page.locator("tbody tr").count()) >= 1, "today's validations list it");
  assert.doesNotMatch(await page.textContent("tbody"), /[0-9a-f]{8}-[0-9a-f]{4}-/, "names, not account ids");
  // The clerk cannot open a citizen's page.
  const refused = await page.goto(`${BASE}/cont`);
  assert.equal(refused.status(), 403);
  await context.close();
}

for (const lang of ["ro", "en"]) {
  test(`the whole journey with the keyboard alone, every page accessible (${lang})`, async () => {
    // axe needs its script in the page: this context does not enforce the CSP.
    const context = await browser.newContext({ locale: lang === "ro" ? "ro-RO" : "en-GB", bypassCSP: true });
    const page = await context.newPage();
    const email = `browser-${Date.now()}-${lang}@example.ro`;
    issuedToday.push({ lang, email });

    await page.goto(`${BASE}/`);
    assert.equal(await page.getAttribute("html", "lang"), lang);
    await audit(page, `${lang}-01-home`);
    // The start page says what the service is, and its footer leads to help, privacy,
    // cookies and accessibility.
    assert.match(await page.textContent("main"), lang === "ro" ? /Gratuit/ : /Free/);
    for (const path of ["/ajutor", "/confidentialitate", "/cookie-uri", "/accesibilitate"]) {
      assert.equal(await page.locator(`footer a[href="${path}"]`).count(), 1, path);
    }
    for (const path of ["/ajutor", "/confidentialitate", "/cookie-uri", "/accesibilitate", "/nu-exista"]) {
      await page.goto(`${BASE}${path}`);
      await audit(page, `${lang}-01${path.replaceAll("/", "-")}`);
    }
    await page.goto(`${BASE}/`);

    await tabTo(page, 'a[href="/cont/nou"].primary');
    await page.keyboard.press("Enter");
    await page.waitForURL("**/cont/nou");
    await audit(page, `${lang}-02-register`);

    // First with mistakes: the summary takes the focus's place at the top.
    await tabTo(page, "#email");
    await page.keyboard.type("not-an-email");
    await tabTo(page, "#password");
    await page.keyboard.type("short");
    await tabTo(page, "button.primary");
    await page.keyboard.press("Enter");
    await page.waitForSelector(".summary");
    assert.equal(await page.inputValue("#email"), "not-an-email", "typed values are kept");
    await audit(page, `${lang}-03-register-errors`);

    // Then right: every field by keyboard.
    const cnp = newCnp();
    const fields = [["#email", email], ["#password", PASSWORD], ["#cnp", cnp],
      ["#last_name", "Ştefănescu"], ["#first_name", "Ana-Maria"], ["#series", "RX"], ["#number", "123456"]];
    for (const [selector, value] of fields) {
      await tabTo(page, selector);
      await page.keyboard.press("Control+A");
      await page.keyboard.type(value);
    }
    await tabTo(page, "button.primary");
    await page.keyboard.press("Enter");
    // The address is confirmed with the code e-mailed to it; the account exists only then.
    await page.waitForURL("**/cont/confirmare");
    await audit(page, `${lang}-03b-confirm-address`);
    await tabTo(page, "#confirmation_code");
    await page.keyboard.type("WRONG-CODE");
    await tabTo(page, "button.primary");
    await page.keyboard.press("Enter");
    await page.waitForSelector(".summary");
    assert.match(await page.title(), /./);
    await audit(page, `${lang}-03c-confirm-wrong-code`);
    await tabTo(page, "#confirmation_code");
    await page.keyboard.type((await confirmationCode(email)).toLowerCase());
    await tabTo(page, "button.primary");
    await page.keyboard.press("Enter");
    await page.waitForURL("**/autentificare");
    assert.ok(await page.locator('[role="status"]').count(), "the account was created, said once");
    await audit(page, `${lang}-03d-account-created`);
    await tabTo(page, "#password");
    await page.keyboard.type(PASSWORD);
    await tabTo(page, "button.primary");
    await page.keyboard.press("Enter");
    await page.waitForURL("**/cont");
    const code = (await page.textContent(".code span[aria-hidden]")).trim();
    assert.match(code, /^[0-9A-Z]{8}$/);
    await audit(page, `${lang}-04-account-pending`);

    // What the certificate will print, shown back and corrected before validation.
    await page.goto(`${BASE}/cont/date`);
    await audit(page, `${lang}-04b-details`);
    await tabTo(page, "#father_first_name");
    await page.keyboard.type("Ion");
    await tabTo(page, "form[action='/cont/date'] button.primary");
    await page.keyboard.press("Enter");
    await page.waitForSelector('[role="status"]');
    assert.ok((await page.textContent("dl.facts")).includes("Ion"), "the correction is shown");
    await audit(page, `${lang}-04c-details-saved`);

    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === "__Host-cazier");
    assert.ok(session?.httpOnly && session.secure && session.sameSite === "Lax", JSON.stringify(session));

    // Not validated yet: no request form that cannot be sent, the ways to validate instead.
    await page.goto(`${BASE}/cereri/noua`);
    await page.waitForSelector('a.primary[href="/cont"]');
    assert.equal(await page.locator('form[action="/cereri/noua"]').count(), 0);
    await audit(page, `${lang}-06-not-validated`);

    await validateAtCounter(code, lang);
    await page.goto(`${BASE}/cont`);
    await audit(page, `${lang}-07-account-validated`);

    await page.goto(`${BASE}/cereri/noua`);
    await audit(page, `${lang}-05-request`);
    await tabTo(page, "button.primary");
    await page.keyboard.press("Enter");
    await page.waitForSelector(".summary");
    await audit(page, `${lang}-08-request-error`);
    await choose(page, "purpose", "ANGAJARE");
    await tabTo(page, "button.primary");
    await page.keyboard.press("Enter");
    await page.waitForURL("**/cereri/*");
    // The page refreshes itself until the certificate is there (no script, no reload by hand).
    const link = page.locator('a[href$="/pdf"]');
    try {
      await link.waitFor({ timeout: 60000 });
    } catch (e) {
      assert.fail(`no certificate after 60 s at ${page.url()}: ${await page.textContent("main")}`);
    }
    await audit(page, `${lang}-09-issued`);

    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    assert.match(download.suggestedFilename(), /^cazier-CJ-\d{4}-\d{8}\.pdf$/);

    // The QR code's link (its text, with the seal's statement) opens the verification page,
    // which checks the statement in the browser, offline; one changed letter is refused.
    const pdfBytes = readFileSync(await download.path(), "latin1");
    const qr = pdfBytes.match(/\/URI \((https?:[^)]*#CZ1:[A-Za-z0-9_-]+)\)/);
    assert.ok(qr, "the QR code's link in the PDF");
    const qrText = qr[1].slice(qr[1].indexOf("/verificare"));
    const checker = await context.newPage();
    await checker.route("**/v1/**", (route) => route.abort()); // offline: no API at all
    await checker.goto(`${BASE}${qrText}`);
    // Genuine, but revocation unknown offline: said in amber, not green.
    await checker.waitForSelector("#statement-result.VALID.unchecked[data-revocation=unknown]");
    const offline = await checker.textContent("#statement-result");
    assert.match(offline, lang === "ro" ? /Nu a putut fi verificată/ : /Could not be checked/, "offline: revocation unknown, and said");
    assert.ok(offline.includes(qrText.split("number=")[1].slice(0, 16)));
    assert.match(offline, /\d\d\.\d\d\.\d{4}/, "dates as dd.mm.yyyy");
    assert.ok(!offline.includes("ANGAJARE"), "the purpose's name, not its code");
    await audit(checker, `${lang}-09b-offline-statement-valid`);
    // Online, the page also checks the year's signed revocation list.
    const online = await context.newPage();
    await online.goto(`${BASE}${qrText}`);
    await online.waitForSelector("#statement-result.VALID[data-revocation=not-revoked]");
    assert.match(await online.textContent("#statement-result"),
      lang === "ro" ? /Nerevocat la \d\d\.\d\d\.\d{4} \d\d:\d\d, ora României/ : /Not revoked as of \d\d\.\d\d\.\d{4} \d\d:\d\d, Romanian time/);
    // On a phone and on a desk: nothing wider than the screen, labels above values.
    for (const width of [360, 1280]) {
      await online.setViewportSize({ width, height: 900 });
      const overflow = await online.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `/verificare scrolls sideways at ${width} px`);
      await online.screenshot({ path: `${SHOTS}/verificare-${lang}-${width}.png`, fullPage: true });
    }
    // The number and CNP, typed: the answer comes from the service, as a page (no script needed).
    await online.fill("#identifier", "1234567890123");
    await online.click("#by-number button");
    await online.waitForSelector(".summary");
    assert.match(await online.title(), lang === "ro" ? /^Eroare:/ : /^Error:/);
    await audit(online, `${lang}-09d-verify-number-error`);
    await online.fill("#identifier", cnp);
    await online.click("#by-number button");
    await online.waitForSelector("#number-result.VALID");
    await audit(online, `${lang}-09e-verify-number-valid`);
    // Again, with a sealed receipt to keep: the answer and a file the service sealed, which
    // cazier-verify checks offline against the published certificates; no CNP in it.
    await online.fill("#identifier", cnp);
    await online.check("#number-receipt");
    await online.click("#by-number button");
    await online.waitForSelector("#number-result.VALID");
    const receiptHref = await online.getAttribute("#receipt-file", "href");
    assert.match(await online.getAttribute("#receipt-file", "download"), /^chitanta-RC-\d{4}-[0-9A-F]{12}\.jwt$/);
    const receipt = Buffer.from(receiptHref.split(",")[1], "base64").toString();
    assert.ok(!receipt.includes(cnp), "no CNP in the receipt");
    const claims = JSON.parse(Buffer.from(receipt.split(".")[1], "base64url").toString());
    assert.equal(claims.result, "VALID");
    assert.equal(claims.how, "NUMBER_AND_CNP");
    const trust = await (await fetch(`${BASE}/v1/trust/certificates`)).text();
    const dir = execFileSync("mktemp", ["-d"], { encoding: "utf8" }).trim();
    const { writeFileSync } = await import("node:fs");
    writeFileSync(`${dir}/trust.pem`, trust);
    writeFileSync(`${dir}/receipt.jwt`, receipt);
    const offlineReceipt = execFileSync("target/debug/cazier-verify", ["--trust", `${dir}/trust.pem`, `${dir}/receipt.jwt`], { encoding: "utf8" });
    assert.match(offlineReceipt, /^VALID/m, offlineReceipt);
    await audit(online, `${lang}-09f-verify-number-receipt`);
    await online.setViewportSize({ width: 360, height: 900 });
    await online.screenshot({ path: `${SHOTS}/verificare-${lang}-360-number.png`, fullPage: true });
    await online.close();
    const at = qrText.length - 20;
    const altered = qrText.slice(0, at) + (qrText[at] === "A" ? "B" : "A") + qrText.slice(at + 1);
    await checker.fill("#statement", altered.slice(altered.indexOf("CZ1:")));
    await checker.click("#by-statement button");
    await checker.waitForSelector("#statement-result.INVALID");
    await audit(checker, `${lang}-09c-offline-statement-altered`);
    await checker.close();

    await page.goto(`${BASE}/certificate`);
    await audit(page, `${lang}-10-certificates`);
    await page.click('a[href$="/mentiuni"]');
    await page.waitForURL("**/mentiuni");
    assert.match(await page.textContent("main"), lang === "ro" ? /nu sunteți înscris/ : /no entries/);
    await audit(page, `${lang}-10a-contents`);
    await page.goto(`${BASE}/certificate`);

    // Who checked it: the check by number and CNP on the verification page (the QR code's
    // statement, checked in the browser, is not seen); then someone tries a wrong CNP.
    const checksLink = page.locator('a[href$="/verificari"]');
    const checksPath = await checksLink.getAttribute("href");
    await checksLink.click();
    await page.waitForURL(`**${checksPath}`);
    assert.equal(await page.locator("tbody tr").count(), 2, "the verification page's checks (one with a receipt)");
    await audit(page, `${lang}-10b-checks-one`);
    const number = checksPath.split("/")[2];
    const tried = await fetch(`${BASE}/v1/verifications`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ certificate_number: number, cnp: newCnp() }),
    });
    assert.equal(tried.status, 200);
    await page.reload();
    assert.equal(await page.locator("tbody tr").count(), 3, "the attempt is listed");
    await audit(page, `${lang}-10c-checks`);

    // A share code: made for this certificate, used by an employer in another browser, revoked.
    await page.goto(`${BASE}/certificate/${number}/coduri`);
    await audit(page, `${lang}-10d-share-codes-none`);
    await tabTo(page, "form[action$='/coduri'] button.primary");
    await page.keyboard.press("Enter");
    await page.waitForSelector("p.code");
    const shareCode = (await page.textContent("p.code span[aria-hidden]")).trim();
    assert.match(shareCode, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{5}$/);
    await audit(page, `${lang}-10e-share-code-made`);
    const employer = await browser.newContext({ locale: lang === "ro" ? "ro-RO" : "en-GB", bypassCSP: true });
    const third = await employer.newPage();
    await third.goto(`${BASE}/cod`);
    await audit(third, `${lang}-10f-share-form`);
    await third.fill("#code", shareCode);
    await third.fill("#organisation", "Dunărea SA");
    await third.click("button.primary");
    await third.waitForSelector("main table");
    assert.ok((await third.textContent("main")).includes(number));
    // Post/redirect/get: a page of its own, the code in no URL; a reload shows it again.
    assert.match(third.url(), /\/cod\/rezultat$/);
    assert.ok(!third.url().includes(shareCode.slice(0, 4)));
    await third.reload();
    await third.waitForSelector("main table");
    await audit(third, `${lang}-10g-shared-certificate`);
    const [pdf] = await Promise.all([third.waitForEvent("download"), third.click("button.primary")]);
    assert.match(pdf.suggestedFilename(), /^cazier-CJ-\d{4}-\d{8}\.pdf$/);
    await page.goto(`${BASE}/certificate/${number}/coduri`);
    await page.click("button.secondary");
    await page.waitForSelector(".tag.bad");
    await audit(page, `${lang}-10h-share-code-revoked`);
    await third.goto(`${BASE}/cod`);
    await third.fill("#code", shareCode);
    await third.click("button.primary");
    await third.waitForSelector(".summary");
    await audit(third, `${lang}-10i-share-code-refused`);

    // The certificate into a wallet (an independent OpenID4VCI client scans the offer and
    // types the transaction code), then shown from it to the employer (OpenID4VP).
    await page.goto(`${BASE}/certificate`);
    await tabTo(page, `form[action="/certificate/${number}/portofel"] button`);
    await page.keyboard.press("Enter");
    await page.waitForSelector("svg.qr");
    const txCode = (await page.textContent("p.code span[aria-hidden]")).trim();
    assert.match(txCode, /^[0-9]{6}$/);
    await page.reload();
    assert.equal((await page.textContent("p.code span[aria-hidden]")).trim(), txCode, "a reload shows the same offer");
    const offer = await scanQr(page, `${lang}-10j-add-to-wallet`);
    assert.equal(offer, await page.getAttribute('a[href^="openid-credential-offer://"]', "href"));
    await audit(page, `${lang}-10j-add-to-wallet`);
    const held = wallet("oid4vci_wallet.mjs", offer, txCode);
    // Taken: the page no longer shows a spent offer, and says what to do.
    await page.reload();
    assert.equal(await page.locator("svg.qr").count(), 0, "a spent offer is not shown again");
    assert.ok((await page.textContent("main")).includes(lang === "ro" ? "nu mai poate fi folosită" : "can no longer be used"));
    // An employer without registration learns what it can do instead of asking a wallet.
    await third.goto(`${BASE}/verificare/portofel`);
    await audit(third, `${lang}-10k-wallet-who-asks`);
    assert.equal(await third.locator('main a[href="/cod"]').count(), 1, "the share code instead");
    assert.equal(await third.locator('main a[href="/verificare#by-document"]').count(), 1, "the PDF check, a page that opens");
    // The registered employer's system asks; the wallet trusts our access CA (the request's
    // x5c), and the employer reads the outcome from the API.
    const started = await employerAsksWallet();
    const trusted = await (await fetch(`${BASE}/v1/trust/access-ca`)).text();
    const answered = wallet("oid4vp_wallet.mjs", started.wallet_uri, held.credential, JSON.stringify(held.holder_jwk), trusted);
    assert.equal(answered.status, 200, answered.body);
    const outcome = await (await fetch(`${BASE}/v1/presentation-requests/outcome`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ transaction: started.transaction }),
    })).json();
    assert.equal(outcome.status, "VALID", JSON.stringify(outcome));
    assert.equal(outcome.certificate_number, undefined, "the number was not disclosed");
    await page.goto(`${BASE}/certificate/${number}/verificari`);
    assert.ok((await page.textContent("main")).includes("Dunărea Logistic SA"), "who checked: the registered employer");
    await employer.close();

    await page.goto(`${BASE}/cereri/nu-exista`);
    await audit(page, `${lang}-12-not-found`);
    const console = await page.goto(`${BASE}/ghiseu`);
    assert.equal(console.status(), 403, "a citizen cannot open the clerk console");

    await tabTo(page, "button.linkbtn");
    await page.keyboard.press("Enter");
    await page.waitForURL(`${BASE}/`);
    await page.goto(`${BASE}/autentificare`);
    await audit(page, `${lang}-13-sign-in`);
    await page.fill("#email", email);
    await page.fill("#password", "wrong password");
    await page.click("button.primary");
    await page.waitForSelector(".summary");
    await audit(page, `${lang}-14-sign-in-error`);
    await context.close();
  });
}

test("validation online through (the development) ghiseul.ro, on its own site, under the CSP", async () => {
  // No CSP bypass: the start form's redirect to ghiseul.ro (another origin) must be allowed
  // by form-action, and its form post back is cross-site (only the SameSite=None binding
  // cookie comes along).
  const context = await browser.newContext({ locale: "ro-RO" });
  const page = await context.newPage();
  const { cnp } = await register(page, "ghiseul");
  await page.click('form[action="/cont/ghiseul"] button');
  await page.waitForURL("**/dev/ghiseul/autentificare**");
  assert.ok(!page.url().startsWith(BASE), `ghiseul.ro is another site: ${page.url()}`);
  await page.fill("#cnp", cnp);
  await page.fill("#family_name", "POPA");
  await page.fill("#given_name", "ION");
  await page.click("#confirm");
  await page.click("#return");
  // Nothing changes before the holder says whose account and which name.
  await page.waitForURL("**/cont/validare");
  assert.ok((await page.textContent("main")).includes("POPA ION"));
  await audit(page, "ro-g1-confirm-validation");
  await page.click('form[action="/cont/validare"] button.primary');
  await page.waitForURL("**/cont");
  await audit(page, "ro-g2-validated-online");
  assert.ok((await page.textContent("main")).includes("ghiseul.ro"), "validated through ghiseul.ro");
  assert.equal(await page.locator('a.primary[href="/cereri/noua"]').count(), 1);
  await context.close();
});

/**
 * At the ROeID stand-in (oidc-provider's own sign-in page): sign in as the person the login
 * names (`CNP/Surname/Given names`, as the register knows them), consent; the portal then
 * shows `landing`.
 */
async function signInAtRoeid(page, login, landing) {
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', "any");
  await page.click('button[type="submit"]');
  await page.waitForSelector('input[name="prompt"][value="consent"]', { state: "attached" });
  await page.click('button[type="submit"]');
  await page.waitForURL(landing);
}

for (const [lang, locale] of [["ro", "ro-RO"], ["en", "en-GB"]]) {
  test(`validation with ROeID / CEI by OpenID Connect, under the pages' CSP (${lang})`, async () => {
    // No CSP bypass: the start form's redirect to the provider must be allowed by form-action.
    const context = await browser.newContext({ locale });
    const page = await context.newPage();
    const { cnp } = await register(page, `roeid-${lang}`);
    const roeid = 'form[action="/cont/roeid"] button';
    // Cancelled at the provider: said so, nothing validated.
    await page.click(roeid);
    await page.waitForURL((url) => !url.href.startsWith(BASE));
    await page.click("text=[ Cancel ]");
    await page.waitForURL("**/cont/roeid/raspuns**");
    await audit(page, `${lang}-r1-roeid-cancelled`);
    assert.equal(await page.locator("main h1").count(), 1);
    // Signed in as someone else (a relative's identity card): refused, and why.
    await page.goto(`${BASE}/cont`);
    await page.click(roeid);
    await signInAtRoeid(page, `${newCnp()}/Popa/Ion`, "**/cont/roeid/raspuns**");
    await audit(page, `${lang}-r2-roeid-other-person`);
    assert.ok((await page.textContent("main")).includes("CNP"), "the page says the CNP differs");
    await page.goto(`${BASE}/cont`);
    assert.equal(await page.locator('a.primary[href="/cereri/noua"]').count(), 0, "not validated");
    // The provider's session is for the other person: sign out there, as a citizen would.
    await context.clearCookies({ name: /^_(session|interaction)/ });
    // The register spells the name otherwise ("Popescu" typed, "Popa" proven): refused, and
    // nothing changes.
    await context.clearCookies({ name: /^_(session|interaction)/ });
    await page.click(roeid);
    await signInAtRoeid(page, `${cnp}/Popescu/Ion`, "**/cont/roeid/raspuns**");
    await audit(page, `${lang}-r3-roeid-name-mismatch`);
    await page.goto(`${BASE}/cont`);
    assert.equal(await page.locator('a.primary[href="/cereri/noua"]').count(), 0, "not validated");
    await context.clearCookies({ name: /^_(session|interaction)/ });
    await page.click(roeid);
    await signInAtRoeid(page, `${cnp}/POPA/ION`, "**/cont/validare");
    await audit(page, `${lang}-r4-roeid-confirm`);
    assert.ok((await page.textContent("main")).includes("POPA ION"));
    await page.click('form[action="/cont/validare"] button.primary');
    await page.waitForURL("**/cont");
    assert.ok((await page.textContent("main")).includes("ROeID"), "validated with ROeID");
    assert.equal(await page.locator('a.primary[href="/cereri/noua"]').count(), 1);
    // Back to the confirmation (the browser's back button): nothing more to confirm.
    await page.goBack();
    assert.ok(!(await page.locator('form[action="/cont/validare"]').count()), "nothing twice");
    await context.close();
  });
}

test("pages work under their Content-Security-Policy and at 320 px (and 200 % zoom)", async () => {
  for (const [width, locale] of [[320, "ro-RO"], [320, "en-GB"], [640, "ro-RO"]]) {
    const context = await browser.newContext({ viewport: { width, height: 800 }, locale });
    const page = await context.newPage();
    const violations = [];
    // CSP violations, and any other error a page leaves in the console (a missing favicon
    // was one, on every page), but a form shown again with its errors (422, by design).
    page.on("console", (m) => {
      const formErrors = /status of 422/.test(m.text());
      if (/Content Security Policy/i.test(m.text()) || (m.type() === "error" && !formErrors)) {
        violations.push(m.text());
      }
    });
    for (const path of ["/", "/cont/nou", "/cont/confirmare", "/autentificare", "/parola/uitata", "/cod", "/verificare", "/verificare/portofel", "/ajutor", "/confidentialitate", "/cookie-uri", "/accesibilitate"]) {
      await page.goto(`${BASE}${path}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${path} scrolls sideways at ${width} px`);
      const styled = await page.evaluate(() => getComputedStyle(document.querySelector("header")).backgroundColor);
      assert.notEqual(styled, "rgba(0, 0, 0, 0)", "the inline style applies under the CSP");
      const name = path === "/" ? "home" : path.slice(1).replaceAll("/", "-");
      await page.screenshot({ path: `${SHOTS}/narrow-${width}-${locale}-${name}.png`, fullPage: true });
    }
    // A signed-in page: the account, with the counter code and both online buttons.
    await register(page, `narrow-${width}-${locale}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `/cont scrolls sideways at ${width} px`);
    await page.screenshot({ path: `${SHOTS}/narrow-${width}-${locale}-cont.png`, fullPage: true });
    await page.goto(`${BASE}/cont/date`);
    const detailsOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(detailsOverflow <= 0, `/cont/date scrolls sideways at ${width} px`);
    await page.screenshot({ path: `${SHOTS}/narrow-${width}-${locale}-cont-date.png`, fullPage: true });
    assert.deepEqual(violations, []);
    await context.close();
  }
});

// Last in the file: the local stack's moto may lose the stream record of a request made right
// after a refused (cancelled) transaction, so the daily-limit refusal comes after every request.
test("the same purpose twice in a day offers the earlier request (last)", async () => {
  for (const { lang, email } of issuedToday) {
    const context = await browser.newContext({ locale: lang === "ro" ? "ro-RO" : "en-GB", bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${BASE}/autentificare`);
    await page.fill("#email", email);
    await page.fill("#password", PASSWORD);
    await page.click("button.primary");
    await page.waitForURL("**/cont");
    await page.goto(`${BASE}/cereri/noua`);
    await choose(page, "purpose", "ANGAJARE");
    await tabTo(page, "button.primary");
    await page.keyboard.press("Enter");
    await page.waitForSelector('a.primary[href^="/cereri/"]');
    await audit(page, `${lang}-11-daily-limit`);
    await context.close();
  }
  assert.equal(issuedToday.length, 2);
});
