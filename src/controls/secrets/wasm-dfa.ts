/**
 * The keyword prefilter's per-character loop as WebAssembly (decision 0060).
 *
 * In JavaScript the loop `s = delta[s + classOf[text.charCodeAt(i)]]` costs about 3 ns per character, and the
 * state chain makes each step wait for the previous one's table load. Here the text is copied once into the
 * module's memory as UTF-16 (`Buffer.write(…, "utf16le")`, a copy of the string's own code units) and cut into
 * segments that several independent copies of the automaton walk in lock step, so the loads of one overlap with
 * those of the others. Each segment starts `longest - 1` characters before the part it reports, from the root
 * state: every keyword that ends in its part starts within the segment, so the automaton finds it exactly as a
 * walk from the text's start would. Where a keyword ends, the loop records the character's address and the
 * state; the prefilter turns those into keyword offsets.
 *
 * No tool chain builds this: the module is a few hundred bytes assembled below. No npm package does the job: the
 * Aho-Corasick packages are JavaScript (reference §7), and none walks UTF-16 with ASCII case folded in.
 */

/** The tables of one automaton, in the form the loop reads. */
export interface DfaTables {
  /**
   * Class of every UTF-16 code unit (65,536 entries, as in the JavaScript loop): code units in no keyword are
   * class 0, from which every state goes back to the root. One load, where a range test measured 15% slower.
   */
  readonly classes: Uint8Array;
  /**
   * Transitions as byte offsets of the next state's row (state × row width × element size), indexed by this
   * row's offset plus the class times the element size: 16-bit when every offset fits, else 32-bit.
   */
  readonly delta: Uint16Array | Uint32Array;
  /** Byte offset of the first state that ends a keyword: states are numbered so that those come last. */
  readonly firstOutput: number;
  /** The longest keyword, in characters. */
  readonly longest: number;
  /** Runs of characters to look for besides keywords (see `RunGate`). */
  readonly runs: readonly RunGate[];
}

/** A run of `length` consecutive characters from `member` (128 entries, 1 for a member; ASCII only). */
export interface RunGate {
  readonly member: Uint8Array;
  readonly length: number;
}

/** Called for each position where at least one keyword ends, in ascending order: `output` is the state's offset. */
export type VisitEnd = (end: number, output: number) => void;

/**
 * Segments walked in lock step. Measured on CredData-lite dev: 3 ns per character in JavaScript, about 2 ns for one
 * segment in WebAssembly, 0.9 ns for four; five and more run out of registers and are slower.
 */
const STREAMS = 4;
/** Texts shorter than this are walked as one segment: the lead-in of each extra segment would cost more. */
const MIN_SPLIT = 256;
/** Characters copied and walked per call, so that memory stays a few MB whatever the size of the text. */
const DEFAULT_CHUNK = 1 << 18;
/**
 * A record's state word holds the segment's index in its top bits. Segments overlap by their lead-ins, and share
 * one record area (one pointer instead of four leaves the loop enough registers).
 */
const STREAM_SHIFT = 28;
/** States must fit below the segment bits; larger automata walk in JavaScript. */
export const MAX_WASM_STATE = 1 << STREAM_SHIFT;
const CLASS_BASE = 0;
const DELTA_BASE = 65536;
const PAGE = 65536;

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

interface Exports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  /** (address, records, steps, firstOutput) for one segment; the end of the records written is left in `end`. */
  narrow1: (...args: number[]) => void;
  wide1: (...args: number[]) => void;
  /** (address × STREAMS, records, steps, firstOutput). */
  narrowN: (...args: number[]) => void;
  wideN: (...args: number[]) => void;
  /** (start, end, step in bytes, length in bytes, member table) → 1 when the text there holds the run. */
  holdsRun: (...args: number[]) => number;
  end: { value: number };
}

/** The module's one memory and functions, shared by every automaton in this thread; created on first use. */
class Engine {
  private memory: Exports["memory"];
  private bytes: Buffer;
  private words: Int32Array;
  /** The tables now in memory: loading another automaton's copies them in (once per switch, a few µs). */
  private loaded: DfaTables | undefined;
  private loadedChunk = 0;
  private textBase = 0;
  private runBase = 0;
  private outBase = 0;

  constructor(private readonly exports: Exports) {
    this.memory = exports.memory;
    this.bytes = Buffer.from(this.memory.buffer);
    this.words = new Int32Array(this.memory.buffer);
  }

  /**
   * Walk `text` with `tables`, calling `visit` where keywords end, and set `runs[i]` to whether the text holds
   * `tables.runs[i]`, for a text of one chunk (a longer one leaves `runs` alone: its runs may cross chunks). False,
   * with nothing visited, when the memory cannot grow: the caller then walks the text in JavaScript.
   */
  scan(tables: DfaTables, text: string, visit: VisitEnd, chunk: number, runs: (boolean | undefined)[]): boolean {
    if (!this.load(tables, chunk)) return false;
    const { textBase, outBase } = this;
    const lead = tables.longest - 1;
    const wide = tables.delta instanceof Uint32Array;
    const one = wide ? this.exports.wide1 : this.exports.narrow1;
    const many = wide ? this.exports.wideN : this.exports.narrowN;
    const n = text.length;
    for (let from = 0; from < n; from += chunk) {
      const length = Math.min(chunk, n - from);
      // The lead-in: the characters before this chunk, after code units of class 0 where the text starts. The
      // same calls for every chunk (`slice` of the whole text is the text): no path that only long texts take.
      const head = Math.max(0, from - lead);
      this.bytes.fill(0, textBase - 2 * lead, textBase - 2 * (from - head));
      this.write(text.slice(head, from), textBase - 2 * (from - head));
      this.write(text.slice(from, from + length), textBase);
      const streams = length >= MIN_SPLIT ? STREAMS : 1;
      const part = Math.ceil(length / streams);
      // Past the end, class-0 code units up to the last segment's end: no keyword ends in them.
      this.bytes.fill(0, textBase + 2 * length, textBase + 2 * streams * part);
      const steps = part + lead;
      const args: number[] = [];
      for (let j = 0; j < streams; j++) args.push(textBase + 2 * (j * part - lead));
      args.push(outBase);
      if (streams === 1) one(args[0]!, args[1]!, steps, tables.firstOutput);
      else many(...args, steps, tables.firstOutput);
      const { words } = this;
      const last = this.exports.end.value >> 2;
      for (let j = 0; j < streams; j++) {
        // A segment's lead-in belongs to the segment (or chunk) before it, which has reported it.
        const own = textBase + 2 * j * part;
        for (let r = outBase >> 2; r < last; r += 2) {
          const at = words[r]!;
          const word = words[r + 1]!;
          if (word >>> STREAM_SHIFT === j && at >= own) visit(from + ((at - textBase) >> 1), word & (MAX_WASM_STATE - 1));
        }
      }
    }
    // The text is still in memory, and read there: one sample every length / 2 characters, as `holdsRun` in
    // JavaScript does, but without its cost of about 3 ns per `charCodeAt` (decision 0061).
    if (n <= chunk) {
      tables.runs.forEach((run, i) => {
        runs[i] = this.exports.holdsRun(textBase, textBase + 2 * n, 2 * (run.length >> 1), 2 * run.length, this.runBase + 128 * i) === 1;
      });
    }
    return true;
  }

  private write(text: string, at: number): void {
    const written = this.bytes.write(text, at, "utf16le");
    // utf16le copies code units as they are, lone surrogates included; anything else is a bug, not a miss.
    if (written !== 2 * text.length) throw new Error("secret scan: keyword prefilter copied a text short");
  }

  /** Put `tables` in memory with room for a chunk of `chunk` characters, growing the memory if needed. */
  private load(tables: DfaTables, chunk: number): boolean {
    if (this.loaded === tables && this.loadedChunk === chunk) return true;
    const lead = tables.longest - 1;
    const runBase = align(DELTA_BASE + tables.delta.byteLength, 8);
    const textBase = align(runBase + 128 * tables.runs.length + 2 * lead, 8);
    const outBase = align(textBase + 2 * (chunk + STREAMS), 8);
    const end = outBase + 8 * STREAMS * (Math.ceil(chunk / STREAMS) + lead);
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE));
      } catch {
        this.loaded = undefined;
        return false;
      }
      this.bytes = Buffer.from(this.memory.buffer);
      this.words = new Int32Array(this.memory.buffer);
    }
    this.bytes.set(tables.classes, CLASS_BASE);
    this.bytes.set(new Uint8Array(tables.delta.buffer, tables.delta.byteOffset, tables.delta.byteLength), DELTA_BASE);
    tables.runs.forEach((run, i) => this.bytes.set(run.member, runBase + 128 * i));
    this.loaded = tables;
    this.loadedChunk = chunk;
    this.textBase = textBase;
    this.runBase = runBase;
    this.outBase = outBase;
    return true;
  }
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

let engine: Engine | null | undefined;

/** The engine, or null where WebAssembly is not available (e.g. `node --jitless`): the prefilter walks in JS. */
function theEngine(): Engine | null {
  if (engine !== undefined) return engine;
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  try {
    engine = api ? new Engine(new api.Instance(new api.Module(assemble()), {}).exports as unknown as Exports) : null;
  } catch {
    engine = null;
  }
  return engine;
}

/** Whether keyword scans run in WebAssembly in this thread. */
export function wasmAvailable(): boolean {
  return theEngine() !== null;
}

/**
 * Walk `text` with the automaton, calling `visit` where keywords end, and fill `runs` for a text of one chunk.
 * False when it did not run (no WebAssembly, or no memory): nothing was visited and the caller must walk the
 * text itself.
 */
export function scanWasm(tables: DfaTables, text: string, visit: VisitEnd, runs: (boolean | undefined)[], chunk = DEFAULT_CHUNK): boolean {
  const e = theEngine();
  return e !== null && e.scan(tables, text, visit, chunk, runs);
}

// --- The module, in WebAssembly's binary format (https://webassembly.github.io/spec/core/binary/). ---

const I32 = 0x7f;
const op = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, return: 0x0f,
  localGet: 0x20, localSet: 0x21, localTee: 0x22, globalSet: 0x24,
  load: 0x28, load8u: 0x2d, load16u: 0x2f, store: 0x36, i32const: 0x41,
  eqz: 0x45, ltU: 0x49, leU: 0x4d, geU: 0x4f, add: 0x6a, sub: 0x6b, remU: 0x70, and: 0x71, or: 0x72, shl: 0x74,
  select: 0x1b,
} as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

/**
 * One function walking `streams` segments in lock step, `steps` characters each. Parameters: each segment's start
 * address, the record area, steps, firstOutput. Per character and segment j:
 *   s = delta[s + (classes[u16[p]] << size)]; if (s >= firstOutput) record (p, s | j << STREAM_SHIFT); p += 2
 * A record is two i32: the character's address and the state word. Every state starts at the root (0).
 */
function walker(streams: number, wide: boolean): number[] {
  const P = (j: number) => j;
  const OUT = streams;
  const STEPS = streams + 1;
  const FIRST = streams + 2;
  const S = (j: number) => streams + 3 + j;
  const size = wide ? 2 : 1;
  const loadDelta = wide ? [op.load, 2, ...uleb(DELTA_BASE)] : [op.load16u, 1, ...uleb(DELTA_BASE)];
  const body: number[] = [op.block, 0x40, op.localGet, STEPS, op.eqz, op.brIf, 0, op.loop, 0x40];
  for (let j = 0; j < streams; j++) {
    // The class load and shift are off the state chain: only the add and the transition load are on it.
    body.push(op.localGet, S(j), op.localGet, P(j), op.load16u, 1, 0, op.load8u, 0, ...uleb(CLASS_BASE));
    body.push(op.i32const, size, op.shl, op.add, ...loadDelta, op.localTee, S(j));
    body.push(op.localGet, FIRST, op.geU, op.if, 0x40);
    body.push(op.localGet, OUT, op.localGet, P(j), op.store, 2, 0);
    const tag = j === 0 ? [] : [op.i32const, ...sleb(j << STREAM_SHIFT), op.or];
    body.push(op.localGet, OUT, op.localGet, S(j), ...tag, op.store, 2, 4);
    body.push(op.localGet, OUT, op.i32const, 8, op.add, op.localSet, OUT, op.end);
    body.push(op.localGet, P(j), op.i32const, 2, op.add, op.localSet, P(j));
  }
  body.push(op.localGet, STEPS, op.i32const, 1, op.sub, op.localTee, STEPS, op.brIf, 0, op.end, op.end);
  body.push(op.localGet, OUT, op.globalSet, 0);
  const code = [...vec([[...uleb(streams), I32]]), ...body, op.end];
  return [...uleb(code.length), ...code];
}

/**
 * `holdsRun(start, end, step, length, table)`: the sampling check of `holdsRun` in prefilter.ts over the code units
 * in [start, end), with `step` and `length` in bytes. Samples every `step` bytes; where two consecutive samples are
 * members, walks the run around them, and answers 1 if it is `length` long, else resumes sampling after it.
 */
function runChecker(): number[] {
  const [START, END, STEP, LENGTH, TABLE, I, PREV, CUR, S, E, C] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  // member(x): 1 when the code unit at address x is ASCII and in the table.
  const member = (address: number[]) => [
    ...address, op.load16u, 1, 0, op.localSet, C,
    op.localGet, TABLE, op.localGet, C, op.i32const, ...sleb(0x7f), op.and, op.add, op.load8u, 0, 0,
    op.i32const, 0, op.localGet, C, op.i32const, ...sleb(128), op.ltU, op.select,
  ];
  const body = [
    op.localGet, START, op.localSet, I,
    op.block, 0x40, op.loop, 0x40,
    op.localGet, I, op.localGet, END, op.geU, op.brIf, 1,
    ...member([op.localGet, I]), op.localTee, CUR, op.localGet, PREV, op.and,
    op.if, 0x40,
    // Walk back from the earlier sample while the code unit before is a member.
    op.localGet, I, op.localGet, STEP, op.sub, op.localSet, S,
    op.block, 0x40, op.loop, 0x40,
    op.localGet, S, op.localGet, START, op.leU, op.brIf, 1,
    ...member([op.localGet, S, op.i32const, 2, op.sub]), op.eqz, op.brIf, 1,
    op.localGet, S, op.i32const, 2, op.sub, op.localSet, S, op.br, 0,
    op.end, op.end,
    // Walk forward from there while members continue.
    op.localGet, S, op.localSet, E,
    op.block, 0x40, op.loop, 0x40,
    op.localGet, E, op.localGet, END, op.geU, op.brIf, 1,
    ...member([op.localGet, E]), op.eqz, op.brIf, 1,
    op.localGet, E, op.i32const, 2, op.add, op.localSet, E, op.br, 0,
    op.end, op.end,
    op.localGet, E, op.localGet, S, op.sub, op.localGet, LENGTH, op.geU, op.if, 0x40, op.i32const, 1, op.return, op.end,
    // Too short: the next sample is the first one after the run.
    op.localGet, E, op.localGet, E, op.localGet, START, op.sub, op.localGet, STEP, op.remU, op.sub, op.localSet, I,
    op.i32const, 0, op.localSet, PREV,
    op.else,
    op.localGet, CUR, op.localSet, PREV,
    op.end,
    op.localGet, I, op.localGet, STEP, op.add, op.localSet, I, op.br, 0,
    op.end, op.end,
    op.i32const, 0,
  ];
  const code = [...vec([[...uleb(6), I32]]), ...body, op.end];
  return [...uleb(code.length), ...code];
}

/** The module: one memory, the `end` global, and walkers for 16- and 32-bit tables, one and STREAMS segments. */
export function assemble(): Uint8Array {
  const type = (params: number) => [0x60, ...vec(Array.from({ length: params }, () => [I32])), ...vec([])];
  const functions: [string, number, boolean][] = [
    ["narrow1", 1, false],
    ["wide1", 1, true],
    ["narrowN", STREAMS, false],
    ["wideN", STREAMS, true],
  ];
  const exports = [
    [...name("memory"), 0x02, 0],
    ...functions.map(([n], i) => [...name(n), 0x00, i]),
    [...name("holdsRun"), 0x00, functions.length],
    [...name("end"), 0x03, 0],
  ];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([type(4), type(STREAMS + 3), [0x60, ...vec(Array.from({ length: 5 }, () => [I32])), ...vec([[I32]])]])),
    ...section(3, vec([...functions.map(([, streams]) => [streams === 1 ? 0 : 1]), [2]])),
    ...section(5, vec([[0x00, 1]])),
    ...section(6, vec([[I32, 1, op.i32const, 0, op.end]])),
    ...section(7, vec(exports)),
    ...section(10, vec([...functions.map(([, streams, wide]) => walker(streams, wide)), runChecker()])),
  ]);
}
