// Files in and out of a call, as the reference host handles them
// (host/src/cli/invoke.rs, host/src/daemon/sinks/): input files with a
// media type guessed from the extension, returned files described by size
// and SHA-256 and written under safe, unique names.

import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Failure } from "./config.mjs";

const TYPES = {
  eml: "message/rfc822",
  msg: "application/vnd.ms-outlook",
  txt: "text/plain",
  log: "text/plain",
  html: "text/html",
  htm: "text/html",
  csv: "text/csv",
  json: "application/json",
  xml: "application/xml",
  pdf: "application/pdf",
  zip: "application/zip",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};

/** A guess from the extension; the component may know better. */
export function mediaType(name) {
  const dot = name.lastIndexOf(".");
  return TYPES[dot >= 0 ? name.slice(dot + 1).toLowerCase() : ""] ?? "application/octet-stream";
}

/** `--file PATH` as the contract's `file` record. */
export function readInputFile(file) {
  let data;
  try {
    data = fs.readFileSync(file);
  } catch (e) {
    throw new Failure("invalid-input", `--file ${file}: ${e.message}`);
  }
  const name = path.basename(file);
  return { name, mediaType: mediaType(name), data: new Uint8Array(data) };
}

export const sha256 = (data) => crypto.createHash("sha256").update(data).digest("hex");

/** The component promises safe names; the host does not rely on it. */
export function safeName(name) {
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[/\\:\p{Cc}]/gu, "_").trim().replace(/^\.+/, "");
  return cleaned === "" ? "file" : cleaned;
}

/** Two returned files of the same name both survive: `a.txt`, `a-1.txt`. */
export function unique(name, used) {
  const dot = name.lastIndexOf(".");
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
  let candidate = name;
  for (let n = 1; used.has(candidate); n++) candidate = `${stem}-${n}${ext}`;
  used.add(candidate);
  return candidate;
}

/** Written beside the target and renamed: never a half-written file. */
export function writeOutputFile(dir, name, data) {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const target = path.join(dir, name);
    const tmp = path.join(dir, `.${name}.tmp${process.pid}`);
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, target);
    return target;
  } catch (e) {
    throw new Failure("internal", `--out ${dir}: ${e.message}`);
  }
}
