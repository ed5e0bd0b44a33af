#!/usr/bin/env node
// The Node.js host of the ews component (hosts/node/README.md): the same
// component the reference host runs, transpiled by jco, on the same
// configuration keys, printing the same JSON.
//
//   node hosts/node/run.mjs [--config FILE.json] [--transpiled DIR] COMMAND
//     describe                       the manifest
//     invoke ACTION [JSON|@FILE]     one action (or --params JSON|@FILE; --file PATH...; --out DIR)
//     daemon-step [--max N]          one daemon step: poll, print each record as a line, ack
//     imports                        what the transpiled component imports and who serves it
//     bench [--calls N]              start-up: module load, compile, instantiate, describe

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { allowList, Logger } from "./lib/capabilities.mjs";
import { Failure, hostSettings, invalidInput, loadFile, resolve } from "./lib/config.mjs";
import { readInputFile, safeName, sha256, unique, writeOutputFile } from "./lib/files.mjs";
import { capabilities, Component, exitCode, fromShim, MODULE, unversioned } from "./lib/host.mjs";
import { JsonFileStore, UnavailableStore } from "./lib/keyvalue.mjs";
import { Redactor } from "./lib/redact.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Where hosts/node/build.sh writes the transpiled component by default. */
const DEFAULT_TRANSPILED = path.resolve(HERE, "../../target/node-host");

const USAGE = `usage: node run.mjs [--config FILE.json] [--transpiled DIR] COMMAND
  describe
  invoke ACTION [JSON|@FILE] [--params JSON|@FILE] [--file PATH]... [--out DIR]
  daemon-step [--max N]
  imports
  bench [--calls N]`;

function printLine(value) {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

function failureLine(f, redactor) {
  const error = { kind: f.kind, message: redactor ? redactor.redact(f.message) : f.message };
  if (f.retryAfterMs !== undefined) error.retry_after_ms = f.retryAfterMs;
  return { ok: false, error };
}

/** Capabilities that reach nothing: no state, no configuration, no network. */
function sealed() {
  return capabilities({
    store: new UnavailableStore(),
    guest: {},
    secrets: {},
    revealable: [],
    logger: new Logger(new Redactor([])),
    allowed: { allows: () => false, describe: (s, a) => `${s}://${a}` },
  });
}

/** The manifest, from an instance that can reach nothing (describe). */
async function manifestOf(component) {
  const instance = await component.instantiate(sealed());
  const text = instance.describe();
  return { text, manifest: JSON.parse(text), instance };
}

/** Everything a call needs: config checked against the manifest, capabilities. */
async function start(opts) {
  const raw = loadFile(opts.config);
  const settings = hostSettings(raw);
  const t0 = performance.now();
  const component = await Component.load(opts.transpiled);
  const t1 = performance.now();
  const { manifest } = await manifestOf(component);
  const t2 = performance.now();
  const { guest, secrets, notes } = resolve(raw, manifest);
  const redactor = new Redactor(Object.values(secrets));
  const logger = new Logger(redactor);
  const ms = (a, b) => `${Math.round(b - a)} ms`;
  logger.host(
    "debug",
    "runtime",
    `node up ${Math.round(t0)} ms after start; transpiled module loaded and compiled in ${ms(t0, t1)}; manifest (instantiate + describe) in ${ms(t1, t2)}`,
  );
  for (const n of notes) logger.host("info", "config", n);
  const allowed = allowList(manifest, guest);
  if (allowed.error) throw invalidInput(allowed.error);
  for (const n of allowed.notes) logger.host("debug", "http", n);
  let store;
  try {
    store = new JsonFileStore(settings.statePath);
  } catch (e) {
    throw invalidInput(`state_path ${settings.statePath}: ${e.message}`);
  }
  const caps = capabilities({
    store,
    guest,
    secrets,
    revealable: manifest.config.filter((f) => f.secret).map((f) => f.key),
    logger,
    allowed,
  });
  return { settings, component, manifest, redactor, logger, store, caps };
}

/** Runs `f` on a fresh instance; the state is saved whatever happens. */
async function withInstance(app, f) {
  const t0 = performance.now();
  const instance = await app.component.instantiate(app.caps);
  const t1 = performance.now();
  try {
    return f(instance);
  } finally {
    const t2 = performance.now();
    app.logger.host("debug", "runtime", `instantiated in ${Math.round(t1 - t0)} ms; the call took ${Math.round(t2 - t1)} ms`);
    try {
      app.store.flush();
    } catch (e) {
      throw new Failure("internal", `the host could not save the component's state: ${e.message}`);
    }
  }
}

function readParams(arg) {
  let text = arg;
  if (arg.startsWith("@")) {
    const file = arg.slice(1);
    try {
      text = fs.readFileSync(file === "-" ? 0 : file, "utf8");
    } catch (e) {
      throw invalidInput(`--params: cannot read ${file === "-" ? "stdin" : file}: ${e.message}`);
    }
  }
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw invalidInput(`--params: not valid JSON: ${e.message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalidInput("--params: expected a JSON object");
  }
  return text;
}

async function invoke(opts, rest) {
  const [action, positional] = rest;
  if (!action) throw invalidInput(`invoke: the action is missing\n${USAGE}`);
  const params = readParams(opts.params ?? positional ?? "{}");
  const files = (opts.file ?? []).map(readInputFile);
  const app = await start(opts);
  try {
    const names = app.manifest.actions.map((a) => a.name);
    if (!names.includes(action)) {
      throw invalidInput(`unknown action ${JSON.stringify(action)}; actions: ${names.join(", ")}`);
    }
    const out = await withInstance(app, (i) => i.invoke(action, params, files));
    let output;
    try {
      output = JSON.parse(out.json);
    } catch (e) {
      throw new Failure("internal", `the component returned output that is not JSON: ${e.message}`);
    }
    const used = new Set();
    const described = out.files.map((f) => ({
      name: app.redactor.redact(f.name),
      media_type: app.redactor.redact(f.mediaType),
      size: f.data.length,
      sha256: sha256(f.data),
      path: opts.out ? app.redactor.redact(writeOutputFile(opts.out, unique(safeName(f.name), used), f.data)) : null,
    }));
    printLine({ ok: true, output: app.redactor.redactJson(output), files: described });
  } catch (e) {
    e.redactor = app.redactor;
    throw e;
  }
}

/**
 * One step of the daemon on one instance, as the reference host's step with
 * `sink = "stdout"`: poll, one line per item on stdout, then ack what was
 * printed; a summary line on stderr, a failure on stderr too (stdout is the
 * record stream).
 */
async function daemonStep(opts) {
  const app = await start(opts);
  const max = opts.max !== undefined ? Number(opts.max) : app.settings.daemonMax;
  if (!Number.isInteger(max) || max < 1 || max >= 2 ** 32) {
    throw invalidInput(`--max must be a positive whole number below 2^32, not ${JSON.stringify(opts.max)}`);
  }
  const t0 = performance.now();
  const report = { polled: 0, stored: 0, acked: 0, bytes: 0, more: false, scope: undefined };
  try {
    await withInstance(app, (instance) => {
      report.scope = instance.scope();
      const batch = instance.poll(max);
      report.polled = batch.items.length;
      report.more = batch.more;
      const ids = [];
      for (const item of batch.items) {
        let record;
        try {
          record = JSON.parse(item.json);
        } catch (e) {
          throw new Failure("internal", `sink: item ${JSON.stringify(item.id)}: the component's record is not JSON: ${e.message}`);
        }
        const files = item.files.map((f) => {
          const d = { name: f.name, media_type: f.mediaType, size: f.data.length, sha256: sha256(f.data) };
          if (app.settings.inlineFiles) d.data_base64 = Buffer.from(f.data).toString("base64");
          return d;
        });
        printLine(app.redactor.redactJson({ id: item.id, record, files }));
        ids.push(item.id);
        report.stored += 1;
        report.bytes += item.json.length + item.files.reduce((n, f) => n + f.data.length, 0);
      }
      if (ids.length > 0) {
        instance.ack(ids);
        report.acked = ids.length;
      }
    });
  } catch (e) {
    e.redactor = app.redactor;
    e.onStderr = true;
    throw e;
  } finally {
    const ms = Math.round(performance.now() - t0);
    process.stderr.write(
      `daemon-step: polled ${report.polled}, stored ${report.stored}, acked ${report.acked}, ${report.bytes} bytes, more ${report.more}, in ${ms} ms${report.scope ? `, scope ${report.scope}` : ""}\n`,
    );
  }
}

async function describe(opts) {
  const component = await Component.load(opts.transpiled);
  const { text } = await manifestOf(component);
  process.stdout.write(`${text}\n`);
}

/** What the transpiled module imports, unversioned as jco keys them, and who serves it. */
async function imports(opts) {
  const component = await Component.load(opts.transpiled);
  const source = fs.readFileSync(path.join(opts.transpiled, `${MODULE}.js`), "utf8");
  const versioned = new Set(source.match(/\b[a-z-]+:[a-z-]+\/[a-z-]+@[0-9A-Za-z.+-]+(?=[#"'])/g) ?? []);
  const { manifest, instance } = await manifestOf(component);
  printLine({
    component: manifest.name,
    contract: `soar:integration@${instance.contractVersion()}`,
    imports: component.imports.map((name) => ({
      key: name,
      versions: [...versioned].filter((v) => unversioned(v) === name).sort(),
      served_by: fromShim(name) ? "@bytecodealliance/preview2-shim" : "ews-node-host",
    })),
  });
}

/** Start-up figures, in milliseconds: the median over `--calls` fresh instances. */
async function bench(opts) {
  const calls = Number(opts.calls ?? 20);
  const bytes = fs
    .readdirSync(opts.transpiled)
    .filter((f) => f.startsWith(MODULE) && /\.(js|wasm)$/.test(f))
    .reduce((n, f) => n + fs.statSync(path.join(opts.transpiled, f)).size, 0);
  const t0 = performance.now();
  const component = await Component.load(opts.transpiled);
  const loadMs = performance.now() - t0;
  const inst = [];
  const desc = [];
  for (let i = 0; i < calls; i++) {
    const a = performance.now();
    await manifestOf(component);
    desc.push(performance.now() - a);
  }
  const caps = sealed();
  for (let i = 0; i < calls; i++) {
    const a = performance.now();
    await component.instantiate(caps);
    inst.push(performance.now() - a);
  }
  const median = (xs) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const r = (x) => Math.round(x * 10) / 10;
  printLine({
    transpiled_bytes: bytes,
    load_and_compile_ms: r(loadMs),
    instantiate_ms: r(median(inst)),
    instantiate_and_describe_ms: r(median(desc)),
    calls,
    node: process.version,
  });
}

async function main(argv) {
  const { values: opts, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: "string" },
      transpiled: { type: "string" },
      params: { type: "string" },
      file: { type: "string", multiple: true },
      out: { type: "string" },
      max: { type: "string" },
      calls: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (opts.help || positionals.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  opts.transpiled = path.resolve(opts.transpiled ?? process.env.EWS_NODE_TRANSPILED ?? DEFAULT_TRANSPILED);
  const [command, ...rest] = positionals;
  switch (command) {
    case "describe":
      return describe(opts);
    case "invoke":
      return invoke(opts, rest);
    case "daemon-step":
      return daemonStep(opts);
    case "imports":
      return imports(opts);
    case "bench":
      return bench(opts);
    default:
      throw invalidInput(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
  }
}

try {
  await main(process.argv.slice(2));
  process.exitCode = 0;
} catch (e) {
  const f = e instanceof Failure ? e : new Failure("internal", e?.stack ?? String(e));
  const line = `${JSON.stringify(failureLine(f, e?.redactor))}\n`;
  if (e?.onStderr) process.stderr.write(line);
  else process.stdout.write(line);
  process.exitCode = exitCode(f.kind);
}
// The shim's I/O worker must not keep a finished call's process alive.
process.exit(process.exitCode);
