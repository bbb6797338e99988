/**
 * Reads exactly-sized pieces out of a byte stream, holding only what the
 * current piece needs: the backup's frames and the control socket's snapshot
 * stream are both read this way, so memory does not grow with what passes.
 */

/** A pull reader over a stream of byte chunks. */
export class ByteReader {
  readonly #source: AsyncIterator<Uint8Array>
  #parts: Buffer[] = []
  #length = 0
  #ended = false

  constructor (source: AsyncIterable<Uint8Array>) {
    this.#source = source[Symbol.asyncIterator]()
  }

  async #fill (bytes: number): Promise<boolean> {
    while (this.#length < bytes && !this.#ended) {
      const next = await this.#source.next()
      if (next.done === true) this.#ended = true
      else if (next.value.byteLength > 0) {
        this.#parts.push(Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength))
        this.#length += next.value.byteLength
      }
    }
    return this.#length >= bytes
  }

  /** Exactly `bytes` bytes, or undefined if the stream ends first. */
  async take (bytes: number): Promise<Buffer | undefined> {
    if (!await this.#fill(bytes)) return undefined
    const whole = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#length)
    const out = Buffer.from(whole.subarray(0, bytes))
    const rest = whole.subarray(bytes)
    this.#parts = rest.length > 0 ? [rest] : []
    this.#length = rest.length
    return out
  }

  /** Bytes up to the next newline (which is consumed), or undefined if none comes within `max` bytes. */
  async line (max: number): Promise<string | undefined> {
    for (;;) {
      const whole = Buffer.concat(this.#parts, this.#length)
      this.#parts = whole.length > 0 ? [whole] : []
      const at = whole.indexOf(0x0a)
      if (at >= 0) {
        const text = whole.subarray(0, at).toString('utf8')
        const rest = whole.subarray(at + 1)
        this.#parts = rest.length > 0 ? [rest] : []
        this.#length = rest.length
        return text
      }
      if (this.#length > max || !await this.#fill(this.#length + 1)) return undefined
    }
  }

  /** True when nothing more comes. */
  async atEnd (): Promise<boolean> {
    return !await this.#fill(1)
  }

  /** Stops reading the source. */
  async cancel (): Promise<void> {
    await this.#source.return?.()
  }
}
