// `wasi:keyvalue/store@0.2.0-draft` over a JSON file: the same buckets, the
// same paging and the same flush points as the reference host's SQLite store
// (host/src/keyvalue/mod.rs), so the component sees no difference.

import fs from "node:fs";
import path from "node:path";

/** Keys per `list-keys` page; the cursor is the count already returned. */
export const PAGE = 1000;

/** Bucket names are namespaces inside one file; keep them printable. */
export function validBucket(name) {
  return name.length > 0 && name.length <= 64 && /^[A-Za-z0-9_.-]+$/.test(name);
}

// The buckets the component may open (docs/contract.md): `ews` for the token
// cache, `ews-daemon-<scope>` and `ews-pending-<scope>` for each mailbox and
// folder the daemon watches. Another name is `access-denied`.
const ALLOWED = ["ews"];
const ALLOWED_PREFIXES = ["ews-daemon-", "ews-pending-"];

export function allowedBucket(name) {
  return (
    ALLOWED.includes(name) ||
    ALLOWED_PREFIXES.some((p) => name.length > p.length && name.startsWith(p))
  );
}

/** Byte order of the UTF-8 forms, as SQLite's `ORDER BY key` gives. */
function byUtf8(a, b) {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * The state file: `{"format":1,"buckets":{"<bucket>":{"<key>":"<base64>"}}}`.
 * Writes are held in memory until `flush`, which the host calls before
 * anything leaves the sandbox (an outgoing request, a call's result), as
 * the reference host does. A flush re-reads the file and applies only this
 * process's changes, under a short lock, so that an `invoke` (token cache)
 * beside a `daemon-step` (checkpoint) loses neither's writes.
 */
export class JsonFileStore {
  #path;
  #data;
  #changes = new Map(); // "bucket\0key" -> base64 | null (deleted)

  constructor(file) {
    this.#path = path.resolve(file);
    this.#data = readState(this.#path);
  }

  #bucket(name) {
    return (this.#data[name] ??= {});
  }

  get(bucket, key) {
    const v = this.#data[bucket]?.[key];
    return v === undefined ? undefined : new Uint8Array(Buffer.from(v, "base64"));
  }

  set(bucket, key, value) {
    const text = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
    this.#bucket(bucket)[key] = text;
    this.#changes.set(`${bucket}\0${key}`, text);
  }

  delete(bucket, key) {
    if (this.#data[bucket]) delete this.#data[bucket][key];
    this.#changes.set(`${bucket}\0${key}`, null);
  }

  exists(bucket, key) {
    return Object.hasOwn(this.#data[bucket] ?? {}, key);
  }

  /** Keys in a stable order, `limit` of them after the first `offset`. */
  listKeys(bucket, offset, limit) {
    const keys = Object.keys(this.#data[bucket] ?? {}).sort(byUtf8);
    return keys.slice(offset, offset + limit);
  }

  /** Makes every write so far durable: temp file, fsync, rename, fsync dir. */
  flush() {
    if (this.#changes.size === 0) return;
    fs.mkdirSync(path.dirname(this.#path), { recursive: true });
    withLock(`${this.#path}.lock`, () => {
      const fresh = readState(this.#path);
      for (const [id, value] of this.#changes) {
        const [bucket, key] = id.split("\0");
        if (value === null) {
          if (fresh[bucket]) delete fresh[bucket][key];
        } else {
          (fresh[bucket] ??= {})[key] = value;
        }
      }
      const tmp = `${this.#path}.${process.pid}.tmp`;
      const fd = fs.openSync(tmp, "w", 0o600);
      try {
        fs.writeSync(fd, JSON.stringify({ format: 1, buckets: fresh }));
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, this.#path);
      const dir = fs.openSync(path.dirname(this.#path), "r");
      try {
        fs.fsyncSync(dir);
      } finally {
        fs.closeSync(dir);
      }
      this.#data = fresh;
    });
    this.#changes.clear();
  }
}

function readState(file) {
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if (e.code === "ENOENT") return {};
    throw e;
  }
  const doc = JSON.parse(text);
  if (doc?.format !== 1 || typeof doc.buckets !== "object") {
    throw new Error("not a state file of the Node host (format 1)");
  }
  return doc.buckets;
}

/** An exclusive lock file held for a flush; one older than 30 s is stale. */
function withLock(lock, f) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      fs.closeSync(fs.openSync(lock, "wx", 0o600));
      break;
    } catch (e) {
      if (e.code !== "EEXIST") throw e;
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 30_000) fs.rmSync(lock, { force: true });
      } catch {}
      if (Date.now() > deadline) throw new Error(`${lock}: held by another process for 10 s`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    return f();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/** The store while no state file is open (`describe`): every call fails. */
export class UnavailableStore {
  #fail() {
    throw new Error("storage is not available during describe");
  }
  get() { this.#fail(); }
  set() { this.#fail(); }
  delete() { this.#fail(); }
  exists() { this.#fail(); }
  listKeys() { this.#fail(); }
  flush() {}
}

/**
 * The import object of `wasi:keyvalue/store`, over `store`. In jco's
 * bindings a `result` import returns its ok value and throws its error
 * value; a backend failure is `other(message)`, never a trap.
 */
export function keyvalueImport(store) {
  const other = (e) => ({ tag: "other", val: String(e?.message ?? e) });
  const guard = (f) => {
    try {
      return f();
    } catch (e) {
      throw other(e);
    }
  };

  class Bucket {
    #name;
    constructor(name) {
      this.#name = name;
    }
    get(key) {
      return guard(() => store.get(this.#name, key));
    }
    set(key, value) {
      guard(() => store.set(this.#name, key, value));
    }
    delete(key) {
      guard(() => store.delete(this.#name, key));
    }
    exists(key) {
      return guard(() => store.exists(this.#name, key));
    }
    listKeys(cursor) {
      const offset = cursor === undefined ? 0 : Number(cursor);
      // One key more than a page tells whether another page exists.
      const keys = guard(() => store.listKeys(this.#name, offset, PAGE + 1));
      const more = keys.length > PAGE;
      return {
        keys: keys.slice(0, PAGE),
        cursor: more ? BigInt(offset + PAGE) : undefined,
      };
    }
  }

  function open(identifier) {
    if (!validBucket(identifier)) throw { tag: "no-such-store" };
    if (!allowedBucket(identifier)) throw { tag: "access-denied" };
    return new Bucket(identifier);
  }

  return { Bucket, open };
}
