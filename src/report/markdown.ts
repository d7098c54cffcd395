/**
 * Escaping for text we did not write (paths, logins, refs, commit messages, policy values) before it goes into
 * GitHub-flavoured Markdown. Anything user-controlled must render as the literal characters it contains and must not
 * open HTML, links, emphasis, code spans or table cells.
 */

/**
 * ASCII punctuation that starts or ends Markdown syntax (CommonMark lets each be backslash-escaped). `.` and `:`
 * stop GitHub's bare-URL autolinks, `$` its math, `:` its emoji shortcodes, `#` its issue references.
 */
const MARKDOWN_PUNCTUATION = /[\\`*_{}[\]()#+\-.!|~$:]/g;

/**
 * One line of literal text: HTML-significant characters become entities (so `<script>` or `&lt;` stay text),
 * Markdown punctuation is backslash-escaped, and line breaks become spaces so a value cannot end a table row or
 * start a heading. `@` is left alone: check-run output does not notify mentions.
 */
export function md(value: string): string {
  return value
    .replace(/[\r\n\u2028\u2029]+/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(MARKDOWN_PUNCTUATION, (c) => `\\${c}`);
}

/** A commit id shown as a short code span; anything that is not hex is escaped as plain text instead. */
export function sha(value: string, length = 12): string {
  return /^[0-9a-f]{4,64}$/i.test(value) ? `\`${value.slice(0, length)}\`` : md(value);
}

/** A digest such as `sha256:ab12…` as a code span; anything else is escaped as plain text. */
export function digest(value: string): string {
  return /^[a-z0-9-]{1,20}:[0-9a-f]{16,128}$/i.test(value) ? `\`${value}\`` : md(value);
}

/** A link to a URL we produced (never user input): http(s) only, with parentheses encoded so the link stays whole. */
export function link(label: string, url: string): string {
  if (!/^https?:\/\//i.test(url)) return label;
  return `[${label}](${encodeURI(url).replace(/\(/g, "%28").replace(/\)/g, "%29")})`;
}

/** One table row from already-escaped cells. */
export function row(cells: readonly string[]): string {
  return `| ${cells.map((c) => (c === "" ? " " : c)).join(" | ")} |`;
}

/** Plural helper: `count(3, "error")` → "3 errors". */
export function count(n: number, noun: string): string {
  return `${n.toLocaleString("en-US")} ${noun}${n === 1 ? "" : "s"}`;
}
