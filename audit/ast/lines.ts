import type { AstNode } from "./node";
import { span } from "./node";

/** Maps byte offsets (as in solc's `src`) to 1-based line numbers, and reads line text. */
export class LineIndex {
  private readonly starts: number[] = [0];
  private readonly buffer: Buffer;

  constructor(readonly text: string) {
    this.buffer = Buffer.from(text, "utf8");
    for (let i = 0; i < this.buffer.length; i++) if (this.buffer[i] === 0x0a) this.starts.push(i + 1);
  }

  /** The 1-based line of a byte offset. */
  lineOfOffset(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** First line of a node. */
  line(node: AstNode): number {
    return this.lineOfOffset(span(node).start);
  }

  /** First and last line of a node. */
  range(node: AstNode): [number, number] {
    const { start, length } = span(node);
    return [this.lineOfOffset(start), this.lineOfOffset(start + Math.max(0, length - 1))];
  }

  /** The source text of a node (bytes decoded as UTF-8). */
  textOf(node: AstNode): string {
    const { start, length } = span(node);
    return this.buffer.subarray(start, start + length).toString("utf8");
  }

  /** Text of a 1-based line, without its newline. */
  lineText(line: number): string {
    const start = this.starts[line - 1];
    if (start === undefined) return "";
    const end = this.starts[line] ?? this.buffer.length + 1;
    return this.buffer.subarray(start, end - 1).toString("utf8").replace(/\r$/, "");
  }

  get lineCount(): number {
    return this.starts.length;
  }
}
