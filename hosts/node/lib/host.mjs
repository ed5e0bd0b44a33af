// Loads the component as `jco transpile --instantiation async` wrote it, and
// gives each call a fresh instance whose imports are the Node host's
// capabilities. Nothing here names a version of the contract or of WASI:
// jco keys the imports by package and interface without their versions
// (`soar:integration/secrets`), so this host serves every version of
// `soar:integration` whose interfaces keep their shapes, and it reads the
// version the component was built against from the instance's exports.

import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import * as clocks from "@bytecodealliance/preview2-shim/clocks";
import * as http from "@bytecodealliance/preview2-shim/http";
import * as io from "@bytecodealliance/preview2-shim/io";
import * as random from "@bytecodealliance/preview2-shim/random";
import { configImport, Failure } from "./config.mjs";
import { keyvalueImport } from "./keyvalue.mjs";
import { loggingImport, outgoingHandlerImport, secretsImport } from "./capabilities.mjs";

/** The transpiled module's name (`jco transpile --name`), set by build.sh. */
export const MODULE = "ews_guest";

/** `ns:pkg/iface@1.2.3` -> `ns:pkg/iface`. */
export const unversioned = (name) => name.replace(/@[^/@]*$/, "");

/**
 * The shim's `wasi:http/types`, but for `http-error-code`: for a response
 * body that breaks off, the shim (0.26.1) hands back Node's raw
 * `Error: aborted` instead of an `error-code`, which jco cannot lower, so
 * the whole call failed as internal. Anything that is not a variant
 * becomes `HTTP-response-incomplete` (aborted) or `internal-error`.
 */
const httpTypes = {
  ...http.types,
  httpErrorCode(err) {
    const code = http.types.httpErrorCode(err);
    if (code === undefined || typeof code?.tag === "string") return code;
    const message = String(code?.message ?? code);
    return message === "aborted" ? { tag: "HTTP-response-incomplete" } : { tag: "internal-error", val: message };
  },
};

/** What serves each import, by unversioned name: jco's WASI shims, or ours. */
function providers(caps) {
  return {
    "wasi:http/outgoing-handler": () => caps.outgoingHandler,
    "wasi:http/types": () => httpTypes,
    "wasi:io/error": () => io.error,
    "wasi:io/poll": () => io.poll,
    "wasi:io/streams": () => io.streams,
    "wasi:clocks/wall-clock": () => clocks.wallClock,
    "wasi:clocks/monotonic-clock": () => clocks.monotonicClock,
    "wasi:random/random": () => random.random,
    "wasi:keyvalue/store": () => caps.keyvalue,
    "wasi:config/store": () => caps.config,
    "wasi:logging/logging": () => caps.logging,
    "soar:integration/secrets": () => caps.secrets,
  };
}

/** Whether an import is served by jco's shim (the rest are the Node host's own). */
export const fromShim = (name) => /^wasi:(http\/types|io|clocks|random)\b/.test(unversioned(name));

/** The transpiled component: its instantiate function and compiled core modules. */
export class Component {
  static async load(dir) {
    const js = path.join(dir, `${MODULE}.js`);
    if (!fs.existsSync(js)) {
      throw new Failure("invalid-input", `${js} is missing: run hosts/node/build.sh first (it transpiles the component with jco)`);
    }
    const source = fs.readFileSync(js, "utf8");
    // The import keys the generated instantiate() reads: `imports['wasi:io/poll']`.
    const imports = [...new Set([...source.matchAll(/imports\['([^']+)'\]/g)].map((m) => m[1]))];
    const { instantiate } = await import(pathToFileURL(js).href);
    const modules = new Map();
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".wasm"))) {
      modules.set(file, await WebAssembly.compile(fs.readFileSync(path.join(dir, file))));
    }
    return new Component(dir, instantiate, imports, modules);
  }

  constructor(dir, instantiate, imports, modules) {
    this.dir = dir;
    this.imports = imports;
    this.instantiateFn = instantiate;
    this.modules = modules;
  }

  /** A fresh instance with `caps` (see providers) as its imports. */
  async instantiate(caps) {
    const table = providers(caps);
    const importObject = {};
    for (const name of this.imports) {
      const provide = table[unversioned(name)];
      if (!provide) {
        throw new Failure("internal", `the component imports ${name}, which the Node host does not provide`);
      }
      importObject[name] = provide();
    }
    const instance = await this.instantiateFn((file) => {
      const m = this.modules.get(file);
      if (!m) throw new Error(`${file}: not in ${this.dir}`);
      return m;
    }, importObject);
    return new Instance(instance);
  }
}

const EXIT = {
  internal: 1,
  "invalid-input": 2,
  unauthorized: 3,
  forbidden: 4,
  "not-found": 5,
  throttled: 6,
  unavailable: 7,
};

export const exitCode = (kind) => EXIT[kind] ?? 1;

/** A `failure` variant (or a trap) as a Failure. */
function asFailure(e) {
  if (e instanceof Failure) return e;
  const payload = e?.payload;
  if (payload && typeof payload.tag === "string") {
    if (payload.tag === "throttled") {
      return new Failure("throttled", payload.val.message, Number(payload.val.retryAfterMs));
    }
    return new Failure(payload.tag, String(payload.val));
  }
  if (e instanceof WebAssembly.RuntimeError) {
    const what = /unreachable/.test(e.message)
      ? "wasm `unreachable` instruction executed (a panic in the component)"
      : e.message;
    return new Failure("internal", `the component trapped: ${what}`);
  }
  return new Failure("internal", `the component failed: ${e?.stack ?? e}`);
}

/** One instance's exports, each call's failure turned into a Failure. */
export class Instance {
  constructor(exports) {
    this.exports = exports;
  }

  /** `soar:integration@X`, from the versioned names of the instance's exports. */
  contractVersion() {
    for (const key of Object.keys(this.exports)) {
      const m = /^soar:integration\/[a-z-]+@(.+)$/.exec(key);
      if (m) return m[1];
    }
    return undefined;
  }

  #call(f) {
    try {
      return f();
    } catch (e) {
      throw asFailure(e);
    }
  }

  describe() {
    return this.#call(() => this.exports.manifest.describe());
  }
  invoke(action, params, files) {
    return this.#call(() => this.exports.actions.invoke(action, params, files));
  }
  poll(max) {
    return this.#call(() => this.exports.daemon.poll(max));
  }
  ack(ids) {
    return this.#call(() => this.exports.daemon.ack(ids));
  }
  /** The daemon state's name (soar:integration@0.2.0 on); undefined before. */
  scope() {
    const f = this.exports.daemon.scope;
    return typeof f === "function" ? this.#call(() => f()) : undefined;
  }
}

/** The full set of imports for a call. */
export function capabilities({ store, guest, secrets, revealable, logger, allowed }) {
  return {
    keyvalue: keyvalueImport(store),
    config: configImport(guest),
    logging: loggingImport(logger),
    secrets: secretsImport(secrets, revealable, logger),
    outgoingHandler: outgoingHandlerImport(http.outgoingHandler, allowed, logger, () => store.flush()),
  };
}
