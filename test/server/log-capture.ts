/** Collects pino's JSON lines in memory so tests can read what was logged. */
import { Writable } from "node:stream";

export class LogCapture extends Writable {
  readonly lines: string[] = [];

  constructor() {
    super({
      write: (chunk: Buffer, _encoding, callback) => {
        this.lines.push(...chunk.toString("utf8").split("\n").filter((l) => l.length > 0));
        callback();
      },
    });
  }

  get text(): string {
    return this.lines.join("\n");
  }

  records(): Array<Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}
