/** The last lines a program wrote, kept for error messages to quote. */

/** How many of the last lines an error message quotes. */
export const TAIL_LINES = 20;

export class OutputTail {
  readonly lines: string[] = [];

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > TAIL_LINES) this.lines.shift();
  }
}
