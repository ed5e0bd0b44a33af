// The configuration, read as the reference host reads its TOML
// (host/src/config/): a flat JSON object of the same keys, each overridable
// by `EWS_` + KEY in capitals, checked against the component's manifest;
// only the keys that are set reach `wasi:config/store`, as strings.

import fs from "node:fs";
import path from "node:path";

export class Failure extends Error {
  constructor(kind, message, retryAfterMs) {
    super(message);
    this.kind = kind;
    this.retryAfterMs = retryAfterMs;
  }
}

export const invalidInput = (message) => new Failure("invalid-input", message);

/** Keys the Node host reads itself. */
const NODE_KEYS = ["state_path", "sink", "sink_stdout_files", "daemon_max"];

/**
 * The reference host's own keys that the Node host does not implement
 * (limits, cache, sinks other than stdout, storage): accepted, so that one
 * configuration serves both hosts, and named on stderr as ignored.
 */
const IGNORED_KEYS = [
  "component",
  "cache_dir",
  "max_memory_mb",
  "call_timeout_secs",
  "engine_api_url",
  "engine_access_id",
  "engine_ca_file",
  "sink_dir",
  "daemon_interval",
  "concurrency",
  "storage",
  "postgres_url",
];

/** The reference host's own secrets (its engine key, its database password). */
const HOST_SECRETS = ["engine_access_key", "postgres_password"];

/** A secret shorter than this is refused: hiding it would garble output. */
export const MIN_SECRET_LEN = 8;

/** `EWS_` + KEY in capitals, not doubled for a key that begins with `ews_`. */
export function envName(key) {
  const upper = key.toUpperCase();
  return upper.startsWith("EWS_") ? upper : `EWS_${upper}`;
}

/** A JSON value as a wasi:config string: strings bare, the rest as JSON. */
export function valueToString(value) {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** An array from the environment: JSON, or comma-separated. */
function envArray(text) {
  if (text.trimStart().startsWith("[")) return text;
  return JSON.stringify(
    text
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );
}

function checkType(field, value) {
  const bad = (expected) =>
    invalidInput(`${field.key}: expected ${expected}, got ${JSON.stringify(value)}`);
  if (field.type === "integer" && !/^\s*[+-]?\d+\s*$/.test(value)) throw bad("a whole number");
  if (field.type === "boolean" && value !== "true" && value !== "false") throw bad("true or false");
  if (field.type === "array") {
    let ok = false;
    try {
      const v = JSON.parse(value);
      ok = Array.isArray(v) && v.every((s) => typeof s === "string");
    } catch {}
    if (!ok) throw bad("an array of strings");
  }
}

/** The config file's keys and values, before the manifest is known. */
export function loadFile(file, env = process.env) {
  let values = {};
  let base = process.cwd();
  if (file) {
    let text;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      throw invalidInput(`cannot read the config file ${file}: ${e.message}`);
    }
    try {
      values = JSON.parse(text);
    } catch (e) {
      throw invalidInput(`${file} is not JSON: ${e.message}`);
    }
    if (values === null || typeof values !== "object" || Array.isArray(values)) {
      throw invalidInput(`${file}: expected a JSON object of settings`);
    }
    base = path.dirname(path.resolve(file));
  }
  for (const [key, value] of Object.entries(values)) {
    if (key === "mailboxes") {
      throw invalidInput(`${key} in ${file}: the Node host serves one mailbox; use the reference host for [[mailboxes]]`);
    }
    if (value === null || (typeof value === "object" && !Array.isArray(value))) {
      throw invalidInput(`${key}: the config file is flat "key": value pairs`);
    }
  }
  return { file, base, values, env };
}

/**
 * A key's value as a string: the environment's, then the file's. `isPath`
 * resolves a relative path from the config file's folder (the
 * environment's from the working directory).
 */
function lookup(raw, key, isPath = false) {
  const fromEnv = raw.env[envName(key)];
  if (fromEnv !== undefined) return isPath ? path.resolve(fromEnv) : fromEnv;
  if (!Object.hasOwn(raw.values, key)) return undefined;
  const text = valueToString(raw.values[key]);
  return isPath ? path.resolve(raw.base, text) : text;
}

/** What the Node host reads itself, before the component runs. */
export function hostSettings(raw) {
  const inline = lookup(raw, "sink_stdout_files") ?? "omit";
  if (!["inline", "omit"].includes(inline.trim())) {
    throw invalidInput(`sink_stdout_files must be inline or omit, not ${JSON.stringify(inline)}`);
  }
  const max = lookup(raw, "daemon_max") ?? "1000";
  if (!/^\s*\d+\s*$/.test(max) || Number(max) < 1 || Number(max) >= 2 ** 32) {
    throw invalidInput(`daemon_max must be a positive whole number below 2^32, not ${JSON.stringify(max)}`);
  }
  return {
    statePath: lookup(raw, "state_path", true) ?? path.resolve("ews-node-host.json"),
    inlineFiles: inline.trim() === "inline",
    daemonMax: Number(max),
  };
}

/**
 * Checks every key of the file against the manifest and returns the guest's
 * keys (wasi:config), the secrets (secrets.reveal) and notes for stderr.
 */
export function resolve(raw, manifest) {
  const secretKeys = manifest.config.filter((f) => f.secret).map((f) => f.key);
  const guestFields = manifest.config.filter((f) => !f.secret);
  const fileKeys = [...secretKeys, ...HOST_SECRETS].map((s) => `${s}_file`);
  const known = [...NODE_KEYS, ...IGNORED_KEYS, ...guestFields.map((f) => f.key), ...fileKeys];
  const notes = [];
  const where = raw.file ? ` in ${raw.file}` : "";
  for (const key of Object.keys(raw.values)) {
    if (secretKeys.includes(key) || HOST_SECRETS.includes(key)) {
      throw invalidInput(`${key} must come from ${envName(key)} or ${key}_file, never the config file (found${where})`);
    }
    if (!known.includes(key)) {
      const hint = closest(key, known);
      throw invalidInput(`unknown configuration key ${key}${where}${hint ? ` (did you mean ${hint}?)` : ""}`);
    }
    if (IGNORED_KEYS.includes(key)) notes.push(`${key} is a setting of the reference host: ignored`);
  }
  const sink = lookup(raw, "sink");
  if (sink !== undefined && sink.trim() !== "stdout") {
    notes.push(`sink = ${sink}: the Node host's daemon-step prints the records on stdout (sink = stdout) only`);
  }

  const guest = {};
  for (const field of guestFields) {
    let value = lookup(raw, field.key);
    if (value === undefined) continue;
    if (field.type === "array" && raw.env[envName(field.key)] !== undefined) value = envArray(value);
    checkType(field, value);
    guest[field.key] = value;
  }

  const secrets = {};
  for (const key of secretKeys) {
    let value = raw.env[envName(key)];
    let source = envName(key);
    const file = lookup(raw, `${key}_file`, true);
    if (value === undefined && file !== undefined) {
      try {
        value = fs.readFileSync(file, "utf8").replace(/[\r\n]+$/, "");
      } catch (e) {
        throw invalidInput(`${key}_file: cannot read ${file}: ${e.message}`);
      }
      source = `${key}_file`;
    }
    if (value === undefined) continue;
    const chars = [...value].length;
    if (chars < MIN_SECRET_LEN) {
      throw invalidInput(
        `${key} (from ${source}) is ${chars} character${chars === 1 ? "" : "s"} long: a secret must have at least ${MIN_SECRET_LEN} characters, because the host hides every occurrence of it in everything it prints and a shorter one would garble ordinary text`,
      );
    }
    secrets[key] = value;
  }
  return { guest, secrets, notes };
}

/** The known key nearest to a typo, if it is near enough to be one. */
function closest(key, known) {
  let best;
  for (const k of known) {
    const d = distance(key, k);
    if (d <= Math.max(3, Math.floor(k.length / 3)) && (!best || d < best[0] || (d === best[0] && k < best[1]))) {
      best = [d, k];
    }
  }
  return best?.[1];
}

function distance(a, b) {
  const bs = [...b];
  let row = Array.from({ length: bs.length + 1 }, (_, i) => i);
  for (const [i, ca] of [...a].entries()) {
    const next = [i + 1];
    for (const [j, cb] of bs.entries()) {
      next.push(Math.min(row[j] + (ca === cb ? 0 : 1), next[j] + 1, row[j + 1] + 1));
    }
    row = next;
  }
  return row[bs.length];
}

/** The import object of `wasi:config/store`: read-only, only set keys. */
export function configImport(values) {
  const entries = Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    get: (key) => (Object.hasOwn(values, key) ? values[key] : undefined),
    getAll: () => entries.map(([k, v]) => [k, v]),
  };
}
