/**
 * Fitting text into GitHub's check-run output limits. GitHub counts `summary` and `text` in UTF-16 code units
 * (JavaScript string length), 65,535 each; a longer value makes the whole API call fail, so we cut instead.
 */

export const OUTPUT_LIMIT = 65_535;

export interface TruncateOptions {
  /**
   * How many findings are not (completely) shown when the text is cut at `cut`; the note then says so.
   * Omit when the text does not list findings.
   */
  hiddenFindings?: (cut: number) => number;
}

/** Only cut at a line break when it keeps at least this share of the budget; one huge line is cut mid-line. */
const MIN_LINE_CUT_SHARE = 0.5;

function note(chars: number, findings: number | null): string {
  const what = findings === null ? "" : ` (${findings.toLocaleString("en-US")} finding${findings === 1 ? "" : "s"})`;
  return (
    `\n\n> **… output truncated:** ${chars.toLocaleString("en-US")} more characters${what} not shown; ` +
    "run `vouch verify` locally for the full report.\n"
  );
}

/** True when `index` falls between the two halves of a surrogate pair, where a cut would leave half a character. */
function splitsPair(text: string, index: number): boolean {
  if (index <= 0 || index >= text.length) return false;
  const before = text.charCodeAt(index - 1);
  const after = text.charCodeAt(index);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}

/**
 * Returns `text` unchanged when it fits in `limit` UTF-16 code units. Otherwise cuts it (on a line boundary where
 * that does not waste half the room, never inside a surrogate pair) and appends a visible note saying how much
 * was left out. The result, note included, is never longer than `limit`.
 */
export function truncate(text: string, limit: number = OUTPUT_LIMIT, options: TruncateOptions = {}): string {
  if (text.length <= limit) return text;
  const counted = options.hiddenFindings !== undefined;
  // The note's length depends on the numbers in it; reserve room for the largest they can be.
  const reserve = note(text.length, counted ? text.length : null).length;
  const budget = limit - reserve;
  if (budget <= 0) {
    // No room for any content: the note alone (or as much of it as fits) is the honest output.
    const alone = note(text.length, counted ? options.hiddenFindings!(0) : null).trimStart();
    let cut = Math.min(alone.length, limit);
    if (splitsPair(alone, cut)) cut -= 1;
    return alone.slice(0, cut);
  }
  let cut = budget;
  const lineEnd = text.lastIndexOf("\n", budget - 1);
  if (lineEnd >= 0 && lineEnd + 1 >= budget * MIN_LINE_CUT_SHARE) cut = lineEnd + 1;
  else if (splitsPair(text, cut)) cut -= 1;
  const kept = text.slice(0, cut).replace(/\s+$/, "");
  const omitted = text.length - kept.length;
  return kept + note(omitted, counted ? options.hiddenFindings!(kept.length) : null);
}
