/**
 * Encrypted items on their way into a report: each is stored as a pending
 * blob as it streams in, and becomes permanent only in the batch that commits
 * the record owning it. Shared by a first report and by further information.
 */
import { randomBytes } from 'node:crypto'
import { encryptBytes, encryptStream } from '../crypto/encrypt.js'
import type { RecipientKeys } from '../crypto/keys.js'
import { discardBlobs, settleOps, writeBlob } from '../store/blobs.js'
import type { BatchOp, Kv } from '../store/kv.js'
import type { ItemKind, ItemRecord } from '../store/records.js'
import { utcDate, utcMidnight } from './dates.js'
import { sanitizeFilename } from './filenames.js'

const encoder = new TextEncoder()

/** A new random item id. */
export function newItemId (): string {
  return randomBytes(8).toString('hex')
}

/** Items being stored for one record. */
export class PendingItems {
  readonly #kv: Kv
  readonly #followUp: boolean
  readonly #items: ItemRecord[] = []
  readonly #blobs: string[] = []
  readonly today = utcDate()
  #closed = false

  constructor (kv: Kv, options: { followUp?: boolean } = {}) {
    this.#kv = kv
    this.#followUp = options.followUp === true
  }

  /** How many items of a kind are stored so far. */
  count (kind: ItemKind): number {
    return this.#items.filter((item) => item.kind === kind).length
  }

  /** The items stored so far, in order. */
  get items (): readonly ItemRecord[] {
    return this.#items
  }

  /** Streams a file through encryption into the store, under its sanitised name. */
  async addFile (source: AsyncIterable<Uint8Array>, originalName: string, recipients: RecipientKeys): Promise<void> {
    this.#open()
    const blob = await writeBlob(this.#kv, encryptStream(source, recipients, { filename: sanitizeFilename(originalName), date: utcMidnight() }))
    this.#keep('attachment', blob)
  }

  /** Encrypts a text document into the store; `first` puts it ahead of every item stored so far. */
  async addText (kind: ItemKind, text: string, filename: string, recipients: RecipientKeys, options: { first?: boolean } = {}): Promise<void> {
    this.#open()
    const blob = await writeBlob(this.#kv, encryptBytes(encoder.encode(text), recipients, { filename, date: utcMidnight() }))
    this.#keep(kind, blob, options.first === true)
  }

  /** The batch operations that make the blobs permanent; the caller commits them with its record, then calls settled(). */
  settleOps (): BatchOp[] {
    return settleOps(this.#blobs)
  }

  /** Marks the items as committed: abandon() no longer removes them. */
  settled (): void {
    this.#closed = true
  }

  /** Removes every blob stored (rejected or aborted); safe to call twice. */
  async abandon (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await discardBlobs(this.#kv, this.#blobs.splice(0))
  }

  #open (): void {
    if (this.#closed) throw new TypeError('items already committed or abandoned')
  }

  #keep (kind: ItemKind, blob: { id: string; size: number }, first = false): void {
    this.#blobs.push(blob.id)
    const item: ItemRecord = { id: newItemId(), kind, blob: blob.id, size: blob.size, received: this.today, ...(this.#followUp ? { followUp: true } : {}) }
    if (first) this.#items.unshift(item)
    else this.#items.push(item)
  }
}
