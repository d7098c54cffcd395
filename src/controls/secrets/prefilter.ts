/**
 * Keyword prefilter: one pass over a fragment tells which rule keywords occur, so only those rules run their regex.
 *
 * An Aho-Corasick automaton compiled to a dense DFA over ASCII, with ASCII case folded in the transition table,
 * so the scan is one table lookup per character and needs no lower-cased copy of the text. Written here because
 * the npm packages are unmaintained (`ahocorasick` 1.0.2) or measured slower than even a V8 alternation regex
 * (`modern-ahocorasick`, reference §7), and the alternation regex misses overlapping keywords (`ey` in `key`).
 */

const NON_ASCII = /[^ -~\t\n\r]/;

export class KeywordPrefilter {
  private readonly keywords: string[];
  private readonly delta: Int32Array;
  private readonly classOf: Uint8Array;
  private readonly shift: number;
  private readonly hasOutput: Uint8Array;
  /** For each state, the keywords (by index) that end there, suffix matches included; undefined if none. */
  private readonly outputs: (number[] | undefined)[];
  /** Keywords with characters outside ASCII, checked with a plain search (none of the built-in ones). */
  private readonly nonAscii: string[];

  constructor(keywords: Iterable<string>) {
    const unique = [...new Set([...keywords].map((k) => k.toLowerCase()).filter((k) => k.length > 0))];
    this.nonAscii = unique.filter((k) => NON_ASCII.test(k));
    this.keywords = unique.filter((k) => !NON_ASCII.test(k));

    // Character classes: each ASCII character used in a keyword (upper case folded onto lower case) gets a
    // class; every other character is class 0. A small alphabet keeps the table in cache.
    const classOf = new Uint8Array(128);
    let width = 1;
    for (const k of this.keywords) {
      for (let i = 0; i < k.length; i++) {
        const c = k.charCodeAt(i);
        if (classOf[c] === 0) classOf[c] = width++;
      }
    }
    for (let c = 65; c <= 90; c++) classOf[c] = classOf[c + 32]!;
    // Rows padded to a power of two, so the lookup is a shift and an or.
    let shift = 0;
    while (1 << shift < width) shift++;
    const used = width;
    width = 1 << shift;

    // Trie.
    const children: Map<number, number>[] = [new Map()];
    const ends: number[][] = [[]];
    this.keywords.forEach((k, index) => {
      let s = 0;
      for (let i = 0; i < k.length; i++) {
        const a = classOf[k.charCodeAt(i)]!;
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
    });

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
    this.classOf = classOf;
    this.shift = shift;
    this.delta = delta;
    this.outputs = outputs;
    this.hasOutput = Uint8Array.from(outputs, (o) => (o ? 1 : 0));
  }

  /** The (lower-case) keywords that occur in `text`, compared case-insensitively. */
  present(text: string): Set<string> {
    const found = new Set<string>();
    const { delta, outputs, keywords, classOf, shift, hasOutput } = this;
    if (keywords.length > 0) {
      const seen = new Uint8Array(keywords.length);
      let remaining = keywords.length;
      let s = 0;
      for (let i = 0, n = text.length; i < n; i++) {
        const c = text.charCodeAt(i);
        s = delta[(s << shift) | (c < 128 ? classOf[c]! : 0)]!;
        if (hasOutput[s] === 0) continue;
        for (const k of outputs[s]!) {
          if (seen[k] === 0) {
            seen[k] = 1;
            found.add(keywords[k]!);
            remaining -= 1;
          }
        }
        if (remaining === 0) break;
      }
    }
    if (this.nonAscii.length > 0) {
      const lower = text.toLowerCase();
      for (const k of this.nonAscii) if (lower.includes(k)) found.add(k);
    }
    return found;
  }
}

export function escapeRegExp(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}
