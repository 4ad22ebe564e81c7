// What the browser tests share: the stack they run against (tests/tests/browser.rs sets the
// environment), axe-core with a screenshot of every page checked, keyboard helpers, and the
// e-mails the stack sent (its SMTP sink's Maildir), from which a registration's code is read
// as a citizen reads it.

import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { createPrivateKey, randomUUID, sign } from "node:crypto";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
export const BASE = process.env.CAZIER_BASE_URL;
export const SHOTS = process.env.CAZIER_SCREENSHOTS ?? "target/screenshots";
export const MAILDIR = process.env.CAZIER_MAILDIR;
export const OPERATOR = { email: process.env.CAZIER_OPERATOR_EMAIL, password: process.env.CAZIER_OPERATOR_PASSWORD };
export const PASSWORD = "parola-foarte-sigura";
export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
mkdirSync(SHOTS, { recursive: true });

/** Each page's accessibility figures, printed at the end of a file's tests. */
export const axeResults = [];

/** A valid CNP, different each time (born 1 Jan 1985, Bucharest, serial from a counter). */
let serial = Math.floor(Math.random() * 900);
export function newCnp() {
  serial = (serial % 998) + 1;
  const first = `285010140${String(serial).padStart(3, "0")}`;
  const weights = [2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9];
  const sum = [...first].reduce((s, d, i) => s + Number(d) * weights[i], 0);
  const control = sum % 11 === 10 ? 1 : sum % 11;
  return first + control;
}

/** Presses Tab until the element matching `selector` has the focus (keyboard only). */
export async function tabTo(page, selector) {
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  assert.fail(`could not reach ${selector} with the Tab key`);
}

/** axe-core on the current page: no WCAG 2.x A/AA violation; a screenshot beside it. */
export async function audit(page, name) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  await page.evaluate(AXE);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } }));
  const size = (await page.content()).length;
  axeResults.push(`axe ${name}: ${result.violations.length} violations, ${result.passes.length} rules passed, ${size} bytes`);
  const described = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(", ")})`);
  assert.deepEqual(described, [], `${name}: accessibility violations`);
}

/** The messages the stack e-mailed to `to`, oldest first. */
export function mailTo(to) {
  const dir = join(MAILDIR, "new");
  let names = [];
  try { names = readdirSync(dir); } catch { return []; }
  return names
    .map((name) => ({ name, at: statSync(join(dir, name)).mtimeMs }))
    .sort((a, b) => a.at - b.at || a.name.localeCompare(b.name))
    .map(({ name }) => readFileSync(join(dir, name), "utf8"))
    .filter((m) => m.split(/\r?\n/).some((l) => l.trim() === `To: ${to.toLowerCase()}`));
}

/** The newest line starting with `prefix` in the e-mails to `to`, waiting for it. */
export async function mailedLine(to, prefix) {
  for (let i = 0; i < 200; i++) {
    const lines = mailTo(to).flatMap((m) => m.split(/\r?\n/)).filter((l) => l.startsWith(prefix));
    if (lines.length) return lines[lines.length - 1].slice(prefix.length).trim();
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`no e-mail to ${to} with "${prefix}"`);
}

/** The code a registration e-mailed to `email`. */
export function confirmationCode(email) {
  return mailedLine(email, "Cod de confirmare / Confirmation code: ");
}

/**
 * Registers a citizen in `page` as a person would: the form, the e-mailed code, then signing
 * in; ends on the account page. Their CNP and e-mail.
 */
export async function register(page, prefix, names = ["Popa", "Ion"]) {
  const cnp = newCnp();
  const email = `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.ro`.toLowerCase();
  await page.goto(`${BASE}/cont/nou`);
  await page.fill("#email", email);
  await page.fill("#password", PASSWORD);
  await page.fill("#cnp", cnp);
  await page.fill("#last_name", names[0]);
  await page.fill("#first_name", names[1]);
  await page.fill("#series", "RX");
  await page.fill("#number", "123456");
  await page.click("button.primary");
  await page.waitForURL("**/cont/confirmare");
  await page.fill("#confirmation_code", await confirmationCode(email));
  await page.click("button.primary");
  await page.waitForURL("**/autentificare");
  assert.equal(await page.inputValue("#email"), email, "the address is filled in");
  await page.fill("#password", PASSWORD);
  await page.click("button.primary");
  await page.waitForURL("**/cont");
  return { cnp, email };
}

/** The registered employer's system (not a browser; CAZIER_EMPLOYER): an access token for
 * `scope` by an RFC 7523 client assertion signed with its key. */
export async function employerToken(scope = "presentation") {
  const { cui, jwk } = JSON.parse(process.env.CAZIER_EMPLOYER);
  const b64 = (data) => Buffer.from(data).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const header = b64(JSON.stringify({ alg: "ES256", kid: jwk.kid }));
  const claims = b64(JSON.stringify({ iss: cui, sub: cui, aud: `${BASE}/oauth2/token`, iat: now, exp: now + 120, jti: randomUUID() }));
  const key = createPrivateKey({ key: jwk, format: "jwk" });
  const signature = sign("sha256", Buffer.from(`${header}.${claims}`), { key, dsaEncoding: "ieee-p1363" });
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    client_assertion: `${header}.${claims}.${b64(signature)}`,
    scope,
  });
  const token = await (await fetch(`${BASE}/oauth2/token`, { method: "POST", body: form })).json();
  assert.ok(token.access_token, JSON.stringify(token));
  return token.access_token;
}

/** A validated citizen in `page`: registered, then proven through (the development)
 * ghiseul.ro; ends on the account page. Their CNP and e-mail. */
export async function validatedCitizen(page, prefix) {
  const { cnp, email } = await register(page, prefix);
  await page.click('form[action="/cont/ghiseul"] button');
  await page.waitForURL("**/dev/ghiseul/autentificare**");
  await page.fill("#cnp", cnp);
  await page.fill("#family_name", "POPA");
  await page.fill("#given_name", "ION");
  await page.click("#confirm");
  await page.click("#return");
  await page.waitForURL("**/cont/validare");
  await page.click('form[action="/cont/validare"] button.primary');
  await page.waitForURL("**/cont");
  return { cnp, email };
}
