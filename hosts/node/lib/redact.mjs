// Hides every secret value in what the host prints, in the forms a message
// is likely to carry it in (host/src/secrets/redactor.rs): as it is,
// JSON-escaped, XML-escaped, and form- or percent-encoded.

export const MASK = "***";

/** application/x-www-form-urlencoded, byte for byte as the url crate does it. */
function formEncode(text) {
  let out = "";
  for (const b of Buffer.from(text, "utf8")) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9*\-._]/.test(c)) out += c;
    else if (b === 0x20) out += "+";
    else out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function forms(secret) {
  const json = JSON.stringify(secret).slice(1, -1);
  const xml = secret
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;");
  const form = formEncode(secret);
  return [secret, json, xml, form, form.replaceAll("+", "%20")];
}

export class Redactor {
  #secrets;

  constructor(values) {
    const all = values.filter((v) => v.length > 0).flatMap(forms);
    this.#secrets = [...new Set(all)].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  }

  redact(text) {
    let out = text;
    for (const s of this.#secrets) if (out.includes(s)) out = out.replaceAll(s, MASK);
    return out;
  }

  /** Every string and key of a parsed JSON document. */
  redactJson(value) {
    if (this.#secrets.length === 0) return value;
    if (typeof value === "string") return this.redact(value);
    if (Array.isArray(value)) return value.map((v) => this.redactJson(v));
    if (value && typeof value === "object") {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [this.redact(k), this.redactJson(v)]),
      );
    }
    return value;
  }
}
