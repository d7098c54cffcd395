/**
 * Header parsing for commit and tag objects, byte-exact. A header field is a line
 * `name SP value`; each following line that starts with a space continues it.
 * The header block ends at the first empty line.
 */

export interface HeaderField {
  name: string;
  /** Value with continuation lines joined: first line after `name `, then each continuation minus its leading space, each line keeping its `\n`. */
  value: Buffer;
  /** Byte range of the whole field (name, continuations, final newline) in the object body. */
  start: number;
  end: number;
}

export interface ParsedHeaders {
  fields: HeaderField[];
  /** Offset of the message (just past the empty line), or body.length when there is none. */
  messageStart: number;
}

const NL = 0x0a;
const SP = 0x20;

function lineEnd(body: Buffer, from: number): number {
  const i = body.indexOf(NL, from);
  return i < 0 ? body.length : i + 1;
}

export class MalformedObjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MalformedObjectError";
  }
}

export function parseHeaders(body: Buffer): ParsedHeaders {
  const fields: HeaderField[] = [];
  let pos = 0;
  let current: { name: string; parts: Buffer[]; start: number } | undefined;
  const close = (end: number): void => {
    if (current) fields.push({ name: current.name, value: Buffer.concat(current.parts), start: current.start, end });
    current = undefined;
  };
  while (pos < body.length) {
    const end = lineEnd(body, pos);
    if (body[pos] === NL) {
      close(pos);
      return { fields, messageStart: end };
    }
    if (body[pos] === SP) {
      if (!current) throw new MalformedObjectError("continuation line before any header");
      current.parts.push(body.subarray(pos + 1, end));
    } else {
      close(pos);
      const sp = body.indexOf(SP, pos);
      const nameEnd = sp < 0 || sp >= end ? end : sp;
      const name = body.subarray(pos, nameEnd).toString("latin1").replace(/\n$/, "");
      if (name.length === 0) throw new MalformedObjectError("empty header name");
      const valueStart = nameEnd === end ? end : nameEnd + 1;
      current = { name, parts: [body.subarray(valueStart, end)], start: pos };
    }
    pos = end;
  }
  close(body.length);
  return { fields, messageStart: body.length };
}

/** The value as text without its final newline (for single-line headers such as `tree`, `parent`, `committer`). */
export function headerText(field: HeaderField): string {
  const s = field.value.toString("utf8");
  return s.endsWith("\n") ? s.slice(0, -1) : s;
}

export interface Person {
  name: string;
  email: string;
  /** Seconds since the epoch as written by the signer (untrusted). */
  timestamp: number;
  tz: string;
}

/** Parses `Name <email> 1700000000 +0000`. */
export function parsePerson(text: string): Person | undefined {
  const m = /^(.*?) ?<([^<>\n]*)> (\d+) ([+-]\d{4})$/.exec(text);
  if (!m) return undefined;
  return { name: m[1] ?? "", email: m[2] ?? "", timestamp: Number(m[3]), tz: m[4] ?? "" };
}
