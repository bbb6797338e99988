/**
 * A one-line progress display for long decryptions, drawn only when standard
 * output is a terminal (never into a file or a pipe, where it would be
 * noise). A carriage return redraws the line: nothing more is needed for one
 * line of text, so no progress-bar package is pulled onto the offline machine.
 */

const WIDTH = 30
const MIB = 1024 * 1024

/** Progress through one file of a known size. */
export class Progress {
  readonly #stream: NodeJS.WriteStream | undefined
  readonly #label: string
  readonly #total: number
  #done = 0
  #shown = -1

  /** Draws on standard output if it is a terminal; otherwise does nothing. */
  constructor (label: string, total: number, stream: NodeJS.WriteStream = process.stdout) {
    this.#stream = stream.isTTY === true ? stream : undefined
    this.#label = label
    this.#total = Math.max(total, 1)
  }

  /** Counts `bytes` more and redraws when the percentage changed. */
  add (bytes: number): void {
    this.#done += bytes
    const percent = Math.min(100, Math.floor((this.#done / this.#total) * 100))
    if (this.#stream === undefined || percent === this.#shown) return
    this.#shown = percent
    const filled = Math.round((percent / 100) * WIDTH)
    const bar = '#'.repeat(filled) + '-'.repeat(WIDTH - filled)
    this.#stream.write(`\r${this.#label} [${bar}] ${String(percent).padStart(3)}% ${(this.#done / MIB).toFixed(1)}/${(this.#total / MIB).toFixed(1)} MiB\u001b[K`)
  }

  /** Clears the line so the next output starts clean. */
  end (): void {
    if (this.#stream !== undefined && this.#shown >= 0) this.#stream.write('\r\u001b[K')
  }
}
