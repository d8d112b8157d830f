/**
 * One-line progress on stderr for long CLI runs, redrawn at most 4× a second, and only
 * when stderr is a terminal (pipes and CI logs stay clean).
 */
export class Progress {
  private readonly enabled: boolean;
  private lastDraw = 0;
  private drawn = false;

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.enabled = stream.isTTY === true;
    this.stream = stream;
  }

  private readonly stream: NodeJS.WriteStream;

  /** Call often; `render` is only invoked when a redraw is due. */
  tick(render: () => string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 250) return;
    this.lastDraw = now;
    this.draw(render());
  }

  private draw(text: string): void {
    const width = (this.stream.columns ?? 80) - 1;
    this.stream.write('\r' + text.slice(0, width).padEnd(width));
    this.drawn = true;
  }

  /** Clear the line so following output starts clean. */
  done(): void {
    if (this.enabled && this.drawn)
      this.stream.write('\r' + ' '.repeat((this.stream.columns ?? 80) - 1) + '\r');
    this.drawn = false;
  }
}
