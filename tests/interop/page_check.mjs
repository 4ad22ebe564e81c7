// The verification page's own script (functions/web/src/verify.js), run in Node as a
// browser would run it offline: the QR statement checked with the seal keys the page carries,
// then the year's status list (given here instead of fetched). Prints one JSON line:
// {"result": VALID|EXPIRED|INVALID, "reason", "revocation": revoked|not-revoked|not-checked}.
// usage: node page_check.mjs <verify.js> <seal-keys.json> <statement text> [list.jwt]
import fs from "node:fs";
import vm from "node:vm";

const [page, keysFile, statement, listFile] = process.argv.slice(2);
const script = fs.readFileSync(page, "utf8");
// The page's data block: the keys, and (unused here) its words.
const data = `{"keys": ${fs.readFileSync(keysFile, "utf8")}, "texts": {}, "purposes": {}}`;
const list = listFile ? fs.readFileSync(listFile, "utf8") : null;
const element = (id) => ({
  id, value: "", hidden: true, files: [],
  textContent: id === "page-data" ? data : "",
  addEventListener() {}, replaceChildren() {}, append() {},
});
const context = vm.createContext({
  document: { getElementById: element, createElement: () => element("") },
  location: { hash: "", search: "" },
  URLSearchParams, crypto: globalThis.crypto, TextEncoder, TextDecoder, DecompressionStream,
  Blob, Response, Uint8Array, atob, btoa, console,
  fetch: async () => (list === null ? { ok: false } : { ok: true, text: async () => list }),
});
vm.runInContext(script, context);
let out;
try {
  const s = await context.checkStatement(statement);
  const r = await context.revocationOf(s.number, s.index);
  out = { result: s.result, revocation: r === null ? "not-checked" : r.revoked ? "revoked" : "not-revoked" };
} catch (e) {
  out = { result: "INVALID", reason: e.reason || String(e) };
}
console.log(JSON.stringify(out));
