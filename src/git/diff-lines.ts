/**
 * Lines a new blob adds over an old one: present in the new text and not matched to the old one by
 * a Myers line diff (jsdiff), numbered from 1 as in the new file.
 */
import { diffArrays } from "diff";

export interface AddedLine {
  line: number;
  text: string;
}

/** Splits on `\n`; a final newline does not start another line, so "a" and "a\n" are the same line. */
export function splitLines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

export interface AddedLinesOptions {
  /**
   * Edit-length budget for the diff (default 20,000). Past it the diff gives up and every line of
   * the new blob counts as added: scanning too much is safe, missing an added line is not.
   */
  maxEditLength?: number;
}

export function addedLines(oldText: string | undefined, newText: string, options: AddedLinesOptions = {}): AddedLine[] {
  const after = splitLines(newText);
  const all = (): AddedLine[] => after.map((text, i) => ({ line: i + 1, text }));
  if (oldText === undefined || oldText.length === 0) return all();
  const before = splitLines(oldText);
  const changes = diffArrays(before, after, { maxEditLength: options.maxEditLength ?? 20_000 });
  if (!changes) return all();
  const out: AddedLine[] = [];
  let line = 1;
  for (const change of changes) {
    if (change.removed) continue;
    if (change.added) for (const text of change.value) out.push({ line: line++, text });
    else line += change.value.length;
  }
  return out;
}
