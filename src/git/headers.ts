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

interface OpenField {
  name: string;
  start: number;
  /** The first line's value; a single-line field's value is this view of the body, not a copy. */
  first: Buffer;
  /** Continuation lines, each without its leading space; only multi-line fields copy. */
  more: Buffer[] | undefined;
}

function closeField(fields: HeaderField[], open: OpenField | undefined, end: number): void {
  if (open) fields.push({ name: open.name, value: open.more ? Buffer.concat([open.first, ...open.more]) : open.first, start: open.start, end });
}

export function parseHeaders(body: Buffer): ParsedHeaders {
  const fields: HeaderField[] = [];
  let pos = 0;
  let current: OpenField | undefined;
  while (pos < body.length) {
    const end = lineEnd(body, pos);
    if (body[pos] === NL) {
      closeField(fields, current, pos);
      return { fields, messageStart: end };
    }
    if (body[pos] === SP) {
      if (!current) throw new MalformedObjectError("continuation line before any header");
      (current.more ??= []).push(body.subarray(pos + 1, end));
    } else {
      closeField(fields, current, pos);
      const sp = body.indexOf(SP, pos);
      const nameEnd = sp < 0 || sp >= end ? end : sp;
      // A line without a space is all name; its newline is not part of it.
      const nameStop = nameEnd === end && body[end - 1] === NL ? end - 1 : nameEnd;
      const name = body.toString("latin1", pos, nameStop);
      if (name.length === 0) throw new MalformedObjectError("empty header name");
      const valueStart = nameEnd === end ? end : nameEnd + 1;
      current = { name, start: pos, first: body.subarray(valueStart, end), more: undefined };
    }
    pos = end;
  }
  closeField(fields, current, body.length);
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
