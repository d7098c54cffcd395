/**
 * Keyword prefilter: one pass over a fragment tells which rule keywords occur, so only those rules run their regex.
 *
 * An Aho-Corasick automaton compiled to a dense DFA over ASCII, with ASCII case folded in the transition table,
 * so the scan is one table lookup per character and needs no lower-cased copy of the text. Written here because
 * the npm packages are unmaintained (`ahocorasick` 1.0.2) or measured slower than even a V8 alternation regex
 * (`modern-ahocorasick`, reference §7), and the alternation regex misses overlapping keywords (`ey` in `key`).
 *
 * The walk runs in WebAssembly where it can (`wasm-dfa.ts`, decision 0060), about three times as fast. The
 * JavaScript loop stays as the fallback (no WebAssembly, e.g. `--jitless`) and as the reference the tests compare
 * the WebAssembly walk with. It is kept free of branches and small (decision 0047): the character-class table
 * covers every UTF-16 code unit, so no range test, and the transitions are 16-bit when they fit.
 */
import { MAX_WASM_STATE, scanWasm, wasmAvailable, type DfaTables, type RunGate } from "./wasm-dfa.js";

export type { RunGate };

const NON_ASCII = /[^ -~\t\n\r]/;

/** Where each keyword occurs in one text: for keyword `k` (an index into `keywords`), the offsets where it starts. */
export interface KeywordHits {
  /** Offsets by keyword index; undefined when the keyword does not occur. Ascending. */
  readonly at: readonly (number[] | undefined)[];
  /** For each of the prefilter's `runs`, whether the text holds it. */
  readonly runs: readonly boolean[];
}

/** How the prefilter walks texts; tests use these to compare the two walks and to cut small texts into chunks. */
export interface PrefilterOptions {
  /** Walk in WebAssembly when it is available (default true). */
  wasm?: boolean;
  /** Characters per WebAssembly call (default 256 Ki). */
  chunk?: number;
  /**
   * Runs of characters to look for besides keywords (decision 0048: rules without keywords run only where
   * theirs occurs). Read in WebAssembly from the copy the walk made (decision 0061).
   */
  runs?: readonly RunGate[];
}

export class KeywordPrefilter {
  /** The lower-case keywords, in the order hits are indexed by. */
  readonly keywords: readonly string[];
  /**
   * Transitions, indexed by state + character class; states are stored premultiplied by the row width. 16-bit
   * when every premultiplied state fits (the built-in keywords need about 38,000), else 32-bit.
   */
  private readonly delta: Uint16Array | Uint32Array;
  /** The class of every UTF-16 code unit (65,536 entries): characters in no keyword are class 0. */
  private readonly classOf: Uint8Array;
  /** States at or above this one end at least one keyword: the hot loop tests one number, not a table. */
  private readonly firstOutput: number;
  /** For each premultiplied output state (minus `firstOutput`, divided by the row width), the keywords ending there. */
  private readonly outputs: number[][];
  private readonly shift: number;
  /** Keyword lengths minus one: the DFA sees a keyword's last character, hits record its first. */
  private readonly tails: Int32Array;
  /** Keywords with characters outside ASCII, checked with a plain search (none of the built-in ones). */
  private readonly nonAscii: { index: number; keyword: string }[];
  /** The same automaton in the form the WebAssembly walk reads; undefined when not walking in WebAssembly. */
  private readonly wasmTables: DfaTables | undefined;
  /** Bytes per state row in `wasmTables`: an output state's offset, less the first one's, over this is its index. */
  private readonly wasmRow: number;
  private readonly chunk: number | undefined;
  private readonly runs: readonly RunGate[];

  constructor(keywords: Iterable<string>, options: PrefilterOptions = {}) {
    const unique = [...new Set([...keywords].map((k) => k.toLowerCase()).filter((k) => k.length > 0))];
    this.keywords = unique;
    this.tails = Int32Array.from(unique, (k) => k.length - 1);
    this.nonAscii = unique.flatMap((keyword, index) => (NON_ASCII.test(keyword) ? [{ index, keyword }] : []));
    const ascii = unique.flatMap((keyword, index) => (NON_ASCII.test(keyword) ? [] : [{ index, keyword }]));

    // Character classes: each ASCII character used in a keyword (upper case folded onto lower case) gets a
    // class; every other character is class 0. A small alphabet keeps the table in cache.
    const classOf = new Uint8Array(65536);
    let width = 1;
    for (const { keyword } of ascii) {
      for (let i = 0; i < keyword.length; i++) {
        const c = keyword.charCodeAt(i);
        if (classOf[c] === 0) classOf[c] = width++;
      }
    }
    for (let c = 65; c <= 90; c++) classOf[c] = classOf[c + 32]!;
    // Rows padded to a power of two.
    let shift = 0;
    while (1 << shift < width) shift++;
    const used = width;
    width = 1 << shift;

    // Trie.
    const children: Map<number, number>[] = [new Map()];
    const ends: number[][] = [[]];
    for (const { keyword, index } of ascii) {
      let s = 0;
      for (let i = 0; i < keyword.length; i++) {
        const a = classOf[keyword.charCodeAt(i)]!;
        let next = children[s]!.get(a);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          ends.push([]);
          children[s]!.set(a, next);
        }
        s = next;
      }
      ends[s]!.push(index);
    }

    // Breadth-first failure links, folded into a complete transition table.
    const states = children.length;
    const delta = new Int32Array(states * width);
    const fail = new Int32Array(states);
    const outputs: (number[] | undefined)[] = new Array<number[] | undefined>(states).fill(undefined);
    const queue: number[] = [];
    for (let a = 1; a < used; a++) {
      const next = children[0]!.get(a);
      if (next !== undefined) {
        delta[a] = next;
        queue.push(next);
      }
    }
    for (let head = 0; head < queue.length; head++) {
      const s = queue[head]!;
      const own = ends[s]!;
      const inherited = outputs[fail[s]!];
      outputs[s] = own.length || inherited ? [...own, ...(inherited ?? [])] : undefined;
      for (let a = 1; a < used; a++) {
        const next = children[s]!.get(a);
        if (next !== undefined) {
          fail[next] = delta[fail[s]! * width + a]!;
          delta[s * width + a] = next;
          queue.push(next);
        } else {
          delta[s * width + a] = delta[fail[s]! * width + a]!;
        }
      }
    }

    // Renumber: states without output first (the root stays 0), then those with output; premultiply by the width.
    const order = [...Array(states).keys()].sort((x, y) => Number(outputs[x] !== undefined) - Number(outputs[y] !== undefined) || x - y);
    const renamed = new Int32Array(states);
    order.forEach((old, i) => (renamed[old] = i));
    const firstOutputIndex = order.findIndex((s) => outputs[s] !== undefined);
    const table = states * width <= 65536 ? new Uint16Array(states * width) : new Uint32Array(states * width);
    for (let old = 0; old < states; old++) {
      for (let a = 0; a < width; a++) table[renamed[old]! * width + a] = renamed[delta[old * width + a]!]! * width;
    }
    this.delta = table;
    this.classOf = classOf;
    this.shift = shift;
    this.firstOutput = firstOutputIndex === -1 ? Number.MAX_SAFE_INTEGER : firstOutputIndex * width;
    this.outputs = firstOutputIndex === -1 ? [] : order.slice(firstOutputIndex).map((s) => outputs[s]!);

    // For WebAssembly: rows of exactly `used` classes (no padding, since no shift is needed to index outputs) and
    // transitions stored as byte offsets, so the loop adds and loads with no multiply on the state chain.
    const longest = ascii.reduce((m, { keyword }) => Math.max(m, keyword.length), 0);
    const narrow = states * used * 2 <= 65536;
    const elem = narrow ? 2 : 4;
    this.wasmRow = used * elem;
    // Empty automata have nothing to walk; huge ones (over 2^28 bytes of table) stay in JavaScript.
    if (options.wasm === false || firstOutputIndex === -1 || states * this.wasmRow > MAX_WASM_STATE) {
      this.wasmTables = undefined;
    } else {
      const rows = narrow ? new Uint16Array(states * used) : new Uint32Array(states * used);
      for (let old = 0; old < states; old++) {
        for (let a = 0; a < used; a++) rows[renamed[old]! * used + a] = renamed[delta[old * width + a]!]! * this.wasmRow;
      }
      this.wasmTables = { classes: classOf, delta: rows, firstOutput: firstOutputIndex * this.wasmRow, longest, runs: options.runs ?? [] };
    }
    // A chunk's lead-in is the `longest - 1` characters before it, which must lie in the text.
    if (options.chunk !== undefined && !(options.chunk >= Math.max(longest, 64))) throw new RangeError(`keyword prefilter: chunk ${options.chunk} is too small`);
    this.chunk = options.chunk;
    this.runs = options.runs ?? [];
    for (const run of this.runs) {
      if (run.member.length !== 128 || !(run.length >= 2)) throw new RangeError("keyword prefilter: a run needs 128 ASCII members and a length of at least 2");
    }
  }

  /** Whether `scan` walks in WebAssembly (false where it is unavailable, or turned off). */
  get walksInWasm(): boolean {
    return this.wasmTables !== undefined && wasmAvailable();
  }

  /** Where each keyword occurs in `text`, compared case-insensitively. */
  scan(text: string): KeywordHits {
    const at: (number[] | undefined)[] = new Array<number[] | undefined>(this.keywords.length).fill(undefined);
    const { delta, classOf, firstOutput, outputs, shift, tails, wasmTables } = this;
    const found: (boolean | undefined)[] = new Array<boolean | undefined>(this.runs.length).fill(undefined);
    if (wasmTables === undefined || !this.scanInWasm(wasmTables, text, at, found)) {
      // Two copies of one loop, so that each sees one array type and V8 keeps its element loads monomorphic
      // (the built-in ruleset and a large imported one can live in the same process).
      if (delta instanceof Uint16Array) scanNarrow(text, delta, classOf, firstOutput, outputs, shift, tails, at);
      else scanWide(text, delta, classOf, firstOutput, outputs, shift, tails, at);
    }
    if (this.nonAscii.length > 0) {
      const lower = text.toLowerCase();
      for (const { index, keyword } of this.nonAscii) {
        // Offsets in the lower-cased copy; exact for the built-in ASCII keywords, a line-level hint for others.
        for (let i = lower.indexOf(keyword); i !== -1; i = lower.indexOf(keyword, i + 1)) (at[index] ??= []).push(i);
      }
    }
    // Runs the walk did not settle: walked in JavaScript, or a text of several chunks.
    const runs: boolean[] = [];
    for (let i = 0; i < found.length; i++) runs.push(found[i] ?? holdsRun(text, this.runs[i]!));
    return { at, runs };
  }

  private scanInWasm(tables: DfaTables, text: string, at: Hits, runs: (boolean | undefined)[]): boolean {
    const { outputs, tails, wasmRow } = this;
    const first = tables.firstOutput;
    const visit = (end: number, state: number): void => {
      for (const k of outputs[(state - first) / wasmRow]!) {
        const start = end - tails[k]!;
        const list = at[k];
        if (list === undefined) at[k] = [start];
        else list.push(start);
      }
    };
    return this.chunk === undefined ? scanWasm(tables, text, visit, runs) : scanWasm(tables, text, visit, runs, this.chunk);
  }

  /** The (lower-case) keywords that occur in `text`, compared case-insensitively. */
  present(text: string): Set<string> {
    const { at } = this.scan(text);
    return new Set(this.keywords.filter((_, k) => at[k] !== undefined));
  }
}

type Hits = (number[] | undefined)[];

/** A module-level function, not a closure per call: V8 deoptimized the closure's calls ("wrong call target"). */
function inRun(text: string, i: number, member: Uint8Array): boolean {
  const c = text.charCodeAt(i);
  return c < 128 && member[c] === 1;
}

/**
 * Whether `text` holds `length` consecutive characters from `member`. Looks at every `length / 2`-th character
 * first: any such run covers two consecutive samples, so most text is rejected without reading the rest. The
 * WebAssembly module's `holdsRun` is the same algorithm over the walk's copy of the text.
 */
export function holdsRun(text: string, { member, length }: RunGate): boolean {
  const n = text.length;
  const step = length >> 1;
  let previous = false;
  for (let i = 0; i < n; i += step) {
    const current = inRun(text, i, member);
    if (current && previous) {
      let start = i - step;
      while (start > 0 && inRun(text, start - 1, member)) start--;
      let end = start;
      while (end < n && inRun(text, end, member)) end++;
      if (end - start >= length) return true;
      // The run is too short; resume sampling after it (the sample at `end` is outside any run).
      i = end - (end % step);
      previous = false;
      continue;
    }
    previous = current;
  }
  return false;
}

function scanNarrow(text: string, delta: Uint16Array, classOf: Uint8Array, firstOutput: number, outputs: number[][], shift: number, tails: Int32Array, at: Hits): void {
  let s = 0;
  for (let i = 0, n = text.length; i < n; i++) {
    s = delta[s + classOf[text.charCodeAt(i)]!]!;
    if (s < firstOutput) continue;
    for (const k of outputs[(s - firstOutput) >> shift]!) {
      const start = i - tails[k]!;
      const list = at[k];
      if (list === undefined) at[k] = [start];
      else list.push(start);
    }
  }
}

function scanWide(text: string, delta: Uint32Array, classOf: Uint8Array, firstOutput: number, outputs: number[][], shift: number, tails: Int32Array, at: Hits): void {
  let s = 0;
  for (let i = 0, n = text.length; i < n; i++) {
    s = delta[s + classOf[text.charCodeAt(i)]!]!;
    if (s < firstOutput) continue;
    for (const k of outputs[(s - firstOutput) >> shift]!) {
      const start = i - tails[k]!;
      const list = at[k];
      if (list === undefined) at[k] = [start];
      else list.push(start);
    }
  }
}

export function escapeRegExp(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}
