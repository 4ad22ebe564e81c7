// The verification page's one script (docs/QR.md): the QR code's signed statement, from the
// address's fragment (never sent to a server) or from the QR text form, checked here with the
// seal keys the page came with; then the year's revocation list, if it can be fetched.
// Everything else on the page works without it.
const DATA = JSON.parse(document.getElementById("page-data").textContent);
const SEAL_KEYS = DATA.keys;
const T = DATA.texts;
function fail(reason) { throw Object.assign(new Error(reason), { reason }); }
function fromBase64url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) fail("Malformed");
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch (e) { fail("Malformed"); }
}
function toBase64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
// One CBOR item (RFC 8949), definite lengths only, nothing after it.
function cbor(bytes) {
  let at = 0;
  const need = (n) => { if (n > bytes.length - at) fail("Malformed"); };
  const length = (info) => {
    if (info < 24) return info;
    const size = { 24: 1, 25: 2, 26: 4, 27: 8 }[info] || fail("Malformed");
    need(size);
    let n = 0;
    for (let i = 0; i < size; i++) n = n * 256 + bytes[at++];
    return n;
  };
  const item = (depth) => {
    if (depth > 16) fail("Malformed");
    need(1);
    const first = bytes[at++], major = first >> 5, info = first & 31;
    if (major === 7 && info === 20) return false;
    if (major === 7 && info === 21) return true;
    if (major === 7) fail("Malformed");
    const n = length(info);
    if (major === 0) return n;
    if (major === 1) return -1 - n;
    if (major === 2 || major === 3) {
      need(n);
      const part = bytes.slice(at, at + n);
      at += n;
      if (major === 2) return part;
      try { return new TextDecoder("utf-8", { fatal: true }).decode(part); } catch (e) { fail("Malformed"); }
    }
    if (major === 6) return { tag: n, value: item(depth + 1) };
    need(n);
    if (major === 4) return Array.from({ length: n }, () => item(depth + 1));
    const map = new Map();
    for (let i = 0; i < n; i++) { const key = item(depth + 1); map.set(key, item(depth + 1)); }
    return map;
  };
  const value = item(0);
  if (at !== bytes.length) fail("Malformed");
  return value;
}
function head(major, n) {
  if (n < 24) return [(major << 5) | n];
  if (n < 256) return [(major << 5) | 24, n];
  return [(major << 5) | 25, n >> 8, n & 255];
}
// ["Signature1", protected, h'', payload]: what the seal signed (RFC 9052 §4.4).
function toBeSigned(protectedHeader, payload) {
  const context = new TextEncoder().encode("Signature1");
  return Uint8Array.from([
    ...head(4, 4), ...head(3, context.length), ...context,
    ...head(2, protectedHeader.length), ...protectedHeader, ...head(2, 0),
    ...head(2, payload.length), ...payload,
  ]);
}
async function checkStatement(text) {
  const at = text.indexOf("CZ1:");
  if (at < 0) fail("NoStatement");
  const encoded = text.slice(at + 4).trim();
  if (encoded.length > 2736) fail("Malformed");
  let message = cbor(fromBase64url(encoded));
  if (message && message.tag !== undefined) {
    if (message.tag !== 18) fail("Malformed");
    message = message.value;
  }
  if (!Array.isArray(message) || message.length !== 4 || !(message[0] instanceof Uint8Array)
      || !(message[1] instanceof Map) || !(message[2] instanceof Uint8Array)
      || !(message[3] instanceof Uint8Array)) fail("Malformed");
  const [protectedHeader, , payload, signature] = message;
  const header = cbor(protectedHeader);
  if (!(header instanceof Map) || header.get(1) !== -7 || !(header.get(4) instanceof Uint8Array)) fail("Malformed");
  const seal = SEAL_KEYS.find((k) => k.kid === toBase64url(header.get(4))) || fail("UnknownKey");
  const key = await crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: seal.x, y: seal.y },
    { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  const genuine = signature.length === 64 && await crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" }, key, signature, toBeSigned(protectedHeader, payload));
  if (!genuine) fail("BadSignature");
  const claims = cbor(payload);
  const c = claims instanceof Map && claims.get(1) === "RO-MAI-CAZIER" && claims.get(-65537);
  if (!(c instanceof Map) || typeof claims.get(4) !== "number") fail("Malformed");
  return {
    result: Date.now() >= claims.get(4) * 1000 ? "EXPIRED" : "VALID",
    number: c.get(1), holder: c.get(2), born: c.get(3), purpose: c.get(4), validUntil: c.get(5),
    entries: c.get(6) === true,
    index: typeof c.get(7) === "number" ? c.get(7) : undefined,
  };
}
// A year's list is 1 MiB at most once inflated: a larger one (a zip bomb) is not read on.
const MAX_LIST_BYTES = 1 << 20;
async function inflate(bytes) {
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate")).getReader();
  const parts = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > MAX_LIST_BYTES) { reader.cancel(); throw new Error("list too large"); }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) { out.set(part, at); at += part.length; }
  return out;
}
// The year's revocation status list (draft-ietf-oauth-status-list), when it can be reached:
// a JWT signed by the seal, one bit per certificate at the index its statement names (the
// number's sequence for statements signed before indexes were drawn). A list of another
// year, out of date, or not covering the index: not checked, never "not revoked".
async function revocationOf(number, index) {
  const [, year, sequence] = number.split("-");
  try {
    // Never a copy kept from an earlier visit: a revocation shows at once.
    const response = await fetch(`/v1/status-lists/${year}`, { cache: "no-store" });
    if (!response.ok) return null;
    const [head, body, signature] = (await response.text()).trim().split(".");
    const json = (part) => JSON.parse(new TextDecoder().decode(fromBase64url(part)));
    const header = json(head);
    const seal = header.alg === "ES256" && header.typ === "statuslist+jwt"
      && SEAL_KEYS.find((k) => k.kid === header.kid);
    if (!seal) return null;
    const key = await crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: seal.x, y: seal.y },
      { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    const genuine = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key,
      fromBase64url(signature), new TextEncoder().encode(`${head}.${body}`));
    const claims = json(body);
    if (!genuine || !(Date.now() < claims.exp * 1000) || claims.status_list?.bits !== 1) return null;
    if (typeof claims.sub !== "string" || !claims.sub.endsWith(`/${year}`)) return null;
    const bits = await inflate(fromBase64url(claims.status_list.lst));
    const i = index ?? Number(sequence);
    if (!(i < bits.length * 8)) return null;
    return { revoked: (bits[Math.floor(i / 8)] >> (i % 8)) & 1, at: new Date(claims.iat * 1000) };
  } catch (e) { return null; }
}
function date(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
  return m ? `${m[3]}.${m[2]}.${m[1]}` : iso;
}
// The same box the server draws for its answers (pages/verify.rs).
function show(code, good, heading, advice, rows, technical) {
  const box = document.createElement("section");
  box.id = "statement-result";
  box.className = `result ${code}${good ? "" : " bad"}`;
  box.dataset.result = code;
  box.setAttribute("role", "status");
  box.tabIndex = -1;
  const h = document.createElement("h2");
  h.textContent = heading;
  box.append(h);
  if (advice) { const p = document.createElement("p"); p.textContent = advice; box.append(p); }
  if (rows.length) {
    const list = document.createElement("dl");
    list.className = "facts";
    for (const [label, value] of rows) {
      const row = document.createElement("div");
      const dt = document.createElement("dt"); dt.textContent = label;
      const dd = document.createElement("dd"); dd.textContent = value;
      row.append(dt, dd);
      list.append(row);
    }
    box.append(list);
  }
  if (technical) {
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = T.technical;
    const p = document.createElement("p");
    p.textContent = technical;
    details.append(summary, p);
    box.append(details);
  }
  const slot = document.getElementById("statement-slot");
  slot.replaceChildren(box);
  box.focus();
  return box;
}
async function showStatement(text) {
  let s;
  try {
    s = await checkStatement(text);
  } catch (e) {
    show("INVALID", false, T.invalid, `${T[e.reason] || T.Malformed} ${T.invalid_advice}`, [], null);
    return;
  }
  const revocation = await revocationOf(s.number, s.index);
  const when = revocation && revocation.at.toLocaleString("ro-RO", {
    timeZone: "Europe/Bucharest", day: "2-digit", month: "2-digit", year: "numeric",
    hour: "2-digit", minute: "2-digit" });
  let code = s.result, heading, advice = null, good = false;
  if (revocation?.revoked) { code = "REVOKED"; heading = T.revoked; advice = T.revoked_advice; }
  else if (code === "EXPIRED") heading = T.expired;
  else if (!revocation) { heading = T.authentic_unchecked; advice = T.unchecked_advice; good = true; }
  else if (s.entries) { heading = T.valid_entries; advice = T.entries_advice; good = true; }
  else { heading = T.valid_clear; good = true; }
  const rows = [[T.number, s.number], [T.holder, s.holder]];
  if (s.born) rows.push([T.born, date(s.born)]);
  rows.push([T.purpose, DATA.purposes[s.purpose] || s.purpose]);
  rows.push([T.valid_until, date(s.validUntil)]);
  rows.push([T.entries, s.entries ? T.entries_some : T.entries_none]);
  if (!revocation?.revoked) {
    const said = revocation ? T.revocation_as_of.replace("{when}", when.replace(",", "")) : T.revocation_unknown;
    rows.push([T.revocation, said]);
  }
  const box = show(code, good, heading, advice, rows, T.checked_here);
  box.dataset.revocation = !revocation ? "unknown" : revocation.revoked ? "revoked" : "not-revoked";
  // Genuine, but not known not to be revoked: said in amber, not in green.
  if (!revocation && code === "VALID") box.classList.add("unchecked");
  document.title = `${heading} – ${document.title.split(" – ").pop()}`;
}
if (location.hash.includes("CZ1:")) showStatement(location.hash);
// The language switch keeps the QR code's statement (the fragment, which the server never sees).
const languageSwitch = document.getElementById("lang-switch");
if (languageSwitch && location.hash) {
  languageSwitch.href = languageSwitch.getAttribute("href").split("#")[0] + location.hash;
}
document.getElementById("by-statement").addEventListener("submit", (event) => {
  const text = document.getElementById("statement").value;
  if (!text.trim()) return; // the server says what is missing
  event.preventDefault();
  showStatement(text);
});
