// Unit tests of the Node host's own capabilities (node --test test/); the
// component itself is tested through them by tests/e2e/tests/node_host.rs.

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { allowList } from "../lib/capabilities.mjs";
import { configImport, loadFile, resolve } from "../lib/config.mjs";
import { JsonFileStore, keyvalueImport, PAGE } from "../lib/keyvalue.mjs";
import { Redactor } from "../lib/redact.mjs";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "ews-node-host-"));

/** jco's convention: an import's `result` error is thrown as the value. */
function thrown(f) {
  try {
    f();
  } catch (e) {
    return e;
  }
  assert.fail("expected an error");
}

test("buckets: the reference host's allow-list, and list-keys pages with a cursor", () => {
  const store = new JsonFileStore(path.join(tmp(), "s.json"));
  const kv = keyvalueImport(store);
  assert.deepEqual(thrown(() => kv.open("bad/name")), { tag: "no-such-store" });
  for (const other of ["other", "ews-daemon-", "ewsx", "ews-cache-1"]) {
    assert.deepEqual(thrown(() => kv.open(other)), { tag: "access-denied" }, other);
  }
  kv.open("ews-daemon-0123abcd");
  kv.open("ews-pending-0123abcd");
  const b = kv.open("ews");
  assert.ok(b instanceof kv.Bucket);
  for (let i = 0; i <= PAGE; i++) b.set(`k${String(i).padStart(5, "0")}`, new Uint8Array([118]));
  const first = b.listKeys(undefined);
  assert.equal(first.keys.length, PAGE);
  assert.equal(first.cursor, BigInt(PAGE));
  const rest = b.listKeys(first.cursor);
  assert.deepEqual(rest, { keys: [`k${String(PAGE).padStart(5, "0")}`], cursor: undefined });
  assert.equal(b.exists("k00000"), true);
  b.delete("k00000");
  assert.equal(b.get("k00000"), undefined);
  assert.equal(b.exists("k00000"), false);
});

test("the state survives a flush, and two processes' flushes keep both writes", () => {
  const file = path.join(tmp(), "state", "s.json");
  const a = new JsonFileStore(file);
  const b = new JsonFileStore(file);
  a.set("ews", "token", new Uint8Array([1, 2, 255]));
  b.set("ews-daemon-1", "checkpoint", new TextEncoder().encode("42"));
  a.flush();
  b.flush();
  assert.equal((fs.statSync(file).mode & 0o777).toString(8), "600");
  const c = new JsonFileStore(file);
  assert.deepEqual([...c.get("ews", "token")], [1, 2, 255]);
  assert.equal(new TextDecoder().decode(c.get("ews-daemon-1", "checkpoint")), "42");
  c.delete("ews", "token");
  c.flush();
  assert.equal(new JsonFileStore(file).get("ews", "token"), undefined);
});

test("a backend failure is other(message), never a trap", () => {
  const broken = { get: () => { throw new Error("disk on fire"); } };
  const kv = keyvalueImport(broken);
  assert.deepEqual(thrown(() => kv.open("ews").get("k")), { tag: "other", val: "disk on fire" });
});

const manifest = {
  name: "ews",
  config: [
    { key: "ews_url", type: "string", outbound: true, default: "https://outlook.office365.com/EWS/Exchange.asmx" },
    { key: "tenant", type: "string" },
    { key: "token_url", type: "string", outbound: true, default: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token" },
    { key: "subject_keywords", type: "array" },
    { key: "request_timeout_secs", type: "integer" },
    { key: "password", type: "string", secret: true },
  ],
};

test("allow-list: defaults, placeholders, loopback http only", () => {
  const none = allowList(manifest, {});
  assert.deepEqual(none.hosts.map((h) => `${h.scheme}://${h.host}:${h.port}`), ["https://outlook.office365.com:443"]);
  assert.equal(none.notes.length, 1, "token_url skipped without a tenant");

  const a = allowList(manifest, { tenant: "contoso", ews_url: "http://127.0.0.1:8080/EWS/Exchange.asmx" });
  assert.ok(a.allows("http", "127.0.0.1:8080"));
  assert.ok(a.allows("https", "login.microsoftonline.com"));
  assert.ok(a.allows("https", "LOGIN.microsoftonline.com.:443"));
  assert.ok(!a.allows("https", "127.0.0.1:8080"), "the scheme counts");
  assert.ok(!a.allows("http", "127.0.0.1:8081"), "the port counts");
  assert.ok(!a.allows("https", "user@login.microsoftonline.com"), "userinfo is refused");
  assert.ok(!a.allows("https", "evil.example"));

  const remote = allowList(manifest, { ews_url: "http://mail.example.com/EWS" });
  assert.match(remote.error, /^ews_url: .*http:\/\/ is allowed only for loopback/);
});

test("config: the reference host's keys, environment overrides and secrets", () => {
  const dir = tmp();
  const file = path.join(dir, "c.json");
  fs.writeFileSync(path.join(dir, "pw"), "a-long-password\n");
  fs.writeFileSync(file, JSON.stringify({ tenant: "t", subject_keywords: ["a", "b"], request_timeout_secs: 30, password_file: "pw", cache_dir: "/x" }));
  const env = { EWS_TENANT: "from-env", EWS_SUBJECT_KEYWORDS: "x, y" };
  const { guest, secrets, notes } = resolve(loadFile(file, env), manifest);
  assert.deepEqual(guest, { tenant: "from-env", subject_keywords: '["x","y"]', request_timeout_secs: "30" });
  assert.deepEqual(secrets, { password: "a-long-password" });
  assert.deepEqual(notes, ["cache_dir is a setting of the reference host: ignored"]);
  assert.deepEqual(configImport(guest).getAll()[0], ["request_timeout_secs", "30"]);
  assert.equal(configImport(guest).get("ews_url"), undefined, "only set keys");

  const refuse = (values, env, pattern) => {
    fs.writeFileSync(file, JSON.stringify(values));
    const e = thrown(() => resolve(loadFile(file, env), manifest));
    assert.equal(e.kind, "invalid-input");
    assert.match(e.message, pattern);
  };
  refuse({ password: "x" }, {}, /password must come from EWS_PASSWORD or password_file/);
  refuse({ tennant: "x" }, {}, /unknown configuration key tennant in .* \(did you mean tenant\?\)/);
  refuse({}, { EWS_PASSWORD: "short" }, /password \(from EWS_PASSWORD\) is 5 characters long/);
  refuse({ request_timeout_secs: "soon" }, {}, /request_timeout_secs: expected a whole number/);
});

test("every form of a secret is hidden", () => {
  const r = new Redactor(["p@ss w<rd>&\"'"]);
  for (const form of ["p@ss w<rd>&\"'", 'p@ss w<rd>&\\"\'', "p@ss w&lt;rd&gt;&amp;&quot;&apos;", "p%40ss+w%3Crd%3E%26%22%27", "p%40ss%20w%3Crd%3E%26%22%27"]) {
    assert.equal(r.redact(`before ${form} after`), "before *** after", form);
  }
  assert.deepEqual(r.redactJson({ [`k p@ss w<rd>&"'`]: ["p@ss w<rd>&\"'", 1] }), { "k ***": ["***", 1] });
});
