// The component's other imports: logging to stderr, secrets from the
// environment, and outbound HTTP through jco's shim behind the reference
// host's allow-list (host/src/http_allow/).

import net from "node:net";

const LEVELS = ["trace", "debug", "info", "warn", "error", "critical"];

/** `EWS_LOG` (trace|debug|info|warn|error, default info), as the reference host. */
export function minLevel(env = process.env) {
  const v = (env.EWS_LOG ?? "").toLowerCase();
  if (v === "warning") return LEVELS.indexOf("warn");
  const i = LEVELS.indexOf(v);
  return i >= 0 && i <= 4 ? i : LEVELS.indexOf("info");
}

/** One stderr line per record, `LEVEL context: message`, redacted. */
export class Logger {
  constructor(redactor, min = minLevel()) {
    this.redactor = redactor;
    this.min = min;
  }
  log(level, context, message) {
    if (LEVELS.indexOf(level) < this.min) return;
    const line = `${level.toUpperCase()} ${context}: ${message}`;
    // One line per record: a guest cannot forge extra lines.
    process.stderr.write(`${this.redactor.redact(line).replace(/[\r\n]/g, " ")}\n`);
  }
  /** A message from the host itself, under the `ews-node-host.` context. */
  host(level, context, message) {
    this.log(level, `ews-node-host.${context}`, message);
  }
}

export function loggingImport(logger) {
  return { log: (level, context, message) => logger.log(level, context, message) };
}

/** `secrets.reveal`: only the manifest's secret fields; an audit line each. */
export function secretsImport(secrets, revealable, logger) {
  return {
    reveal(name) {
      if (!revealable.includes(name)) {
        logger.host("warn", "secrets", `refused to reveal ${JSON.stringify(name)}: not a secret field of the manifest`);
        throw { tag: "denied" };
      }
      logger.host("debug", "secrets", `revealed ${name}`);
      if (!Object.hasOwn(secrets, name)) throw { tag: "not-found" };
      return secrets[name];
    },
  };
}

// ---- the outbound allow-list ----

function normalizeHost(host) {
  const bare = host.replace(/^\[/, "").replace(/\]$/, "");
  if (net.isIP(bare)) return new URL(`http://${net.isIPv6(bare) ? `[${bare}]` : bare}/`).hostname.replace(/^\[|\]$/g, "");
  return bare.replace(/\.+$/, "").toLowerCase();
}

export function isLoopback(host) {
  const h = normalizeHost(host);
  if (h === "localhost" || h === "::1") return true;
  return net.isIPv4(h) && h.startsWith("127.");
}

const DEFAULT_PORT = { http: 80, https: 443 };

/** scheme, host and port of an allowed URL, or an error message. */
export function parseAllowed(url) {
  let u;
  try {
    u = new URL(url);
  } catch (e) {
    return { error: `${JSON.stringify(url)} is not a URL: ${e.message}` };
  }
  const scheme = u.protocol.replace(/:$/, "");
  if (scheme !== "https" && scheme !== "http") {
    return { error: `${JSON.stringify(url)}: only https:// (or http:// to loopback) is allowed` };
  }
  if (u.username || u.password) return { error: `${url.replace(/\/\/[^@/]*@/, "//")}: a user name or password in the URL is refused` };
  if (!u.hostname) return { error: `${JSON.stringify(url)} has no host` };
  const host = normalizeHost(u.hostname);
  if (scheme === "http" && !isLoopback(host)) {
    return {
      error: `${JSON.stringify(url)}: http:// is allowed only for loopback hosts (127.0.0.0/8, localhost, [::1]); use https://`,
    };
  }
  return { scheme, host, port: u.port ? Number(u.port) : DEFAULT_PORT[scheme] };
}

/** `host[:port]` / `[v6][:port]` -> [host, port|undefined]; null if malformed. */
function splitAuthority(authority) {
  if (!authority || authority.includes("@")) return null;
  let host;
  let port;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(authority);
  if (v6) [, host, port] = v6;
  else [host, port] = authority.split(/:(.*)/s);
  if (!host) return null;
  if (port !== undefined && port !== "") {
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) return null;
    port = Number(port);
  } else port = undefined;
  return [normalizeHost(host), port];
}

const bracket = (h) => (h.includes(":") ? `[${h}]` : h);

/**
 * The allow-list from the manifest: each `outbound` field's configured URL
 * (or default), `{key}` placeholders filled from the configuration.
 */
export function allowList(manifest, guest) {
  const hosts = [];
  const notes = [];
  const fill = (template) => {
    let out = template;
    for (const f of manifest.config) {
      const needle = `{${f.key}}`;
      if (!out.includes(needle) || f.secret) continue;
      const v = guest[f.key] ?? (f.default === undefined || f.default === null ? undefined : String(f.default));
      if (v !== undefined) out = out.replaceAll(needle, v);
    }
    return out;
  };
  for (const field of manifest.config.filter((f) => f.outbound)) {
    const configured = Object.hasOwn(guest, field.key);
    const template = configured ? guest[field.key] : field.default;
    if (template === undefined || template === null) continue;
    const url = fill(String(template));
    if (url.includes("{")) {
      notes.push(`${field.key}: ${url} not allowed (a placeholder is unset)`);
      continue;
    }
    const h = parseAllowed(url);
    if (h.error && configured) return { error: `${field.key}: ${h.error}` };
    if (h.error) notes.push(`${field.key}: default not allowed: ${h.error}`);
    else if (!hosts.some((x) => x.scheme === h.scheme && x.host === h.host && x.port === h.port)) hosts.push(h);
  }
  return {
    hosts,
    notes,
    allows(scheme, authority) {
      const parts = splitAuthority(authority);
      if (!parts) return false;
      const port = parts[1] ?? DEFAULT_PORT[scheme];
      return hosts.some((h) => h.scheme === scheme && h.host === parts[0] && h.port === port);
    },
    describe(scheme, authority) {
      const parts = splitAuthority(authority);
      if (!parts) return `${scheme}://${authority}`;
      const port = parts[1] ?? DEFAULT_PORT[scheme];
      return `${scheme}://${bracket(parts[0])}${port ? `:${port}` : ""}`;
    },
  };
}

/** wasi:http's scheme variant as a lower-case name; https when unset. */
function schemeName(scheme) {
  if (!scheme) return "https";
  if (scheme.tag === "HTTP") return "http";
  if (scheme.tag === "HTTPS") return "https";
  return String(scheme.val).toLowerCase();
}

/**
 * `wasi:http/outgoing-handler` over the shim's: a request outside the
 * allow-list is `HTTP-request-denied` with a warning; before a request
 * leaves, the state is saved (`beforeSend`), as the reference host does.
 */
export function outgoingHandlerImport(shimHandler, allowed, logger, beforeSend) {
  return {
    handle(request, options) {
      const scheme = schemeName(request.scheme());
      const authority = request.authority() ?? "";
      const target = allowed.describe(scheme, authority);
      if (!allowed.allows(scheme, authority)) {
        logger.host("warn", "http", `refused outbound request to ${target} (not in the allow-list)`);
        throw { tag: "HTTP-request-denied" };
      }
      try {
        beforeSend();
      } catch (e) {
        logger.host("error", "keyvalue", `the state could not be saved, so the request is not sent: ${e.message}`);
        throw { tag: "internal-error", val: `the host could not save the component's state: ${e.message}` };
      }
      const method = request.method();
      logger.host("debug", "http", `${(method.val ?? method.tag).toUpperCase()} ${target}`);
      return shimHandler.handle(request, options);
    },
  };
}
