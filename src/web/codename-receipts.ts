/**
 * Holding a new codename for the one page view after the submission's
 * redirect. The codename stays in this process's memory only, under a random
 * handle; the cookie carries the handle, never the codename (promise 4). A
 * receipt is gone once shown, after ten minutes, or when the server restarts.
 */
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { ComplaintsBody } from '../domain/forces.js'

/** What the codename page shows. */
export interface Receipt {
  readonly codename: string
  readonly forceName: string
  readonly complaintsBody?: ComplaintsBody | undefined
  readonly urgent: boolean
  /** Sent to the triage unit ("I do not know which force"). */
  readonly triage?: boolean
  /** The only session that may see it (a call handler's, for a report taken by phone). */
  readonly owner?: string
}

const TTL_MS = 10 * 60 * 1000
const MAX_RECEIPTS = 10_000

/** A bounded, expiring, read-once map of receipts. */
export class ReceiptBox {
  readonly #receipts = new Map<string, { receipt: Receipt; expires: number }>()

  /** Stores a receipt; returns the random handle for the cookie. */
  put (receipt: Receipt): string {
    this.#sweep()
    // Oldest first out: Map keeps insertion order.
    while (this.#receipts.size >= MAX_RECEIPTS) this.#receipts.delete(this.#receipts.keys().next().value!)
    const handle = randomBytes(32).toString('base64url')
    // A monotonic clock: expiry needs no wall-clock time.
    this.#receipts.set(handle, { receipt, expires: performance.now() + TTL_MS })
    return handle
  }

  /** Takes the receipt for a handle out of the box, or undefined. */
  take (handle: string): Receipt | undefined {
    this.#sweep()
    const entry = this.#receipts.get(handle)
    this.#receipts.delete(handle)
    return entry?.receipt
  }

  #sweep (): void {
    const now = performance.now()
    // Every receipt lives equally long, so insertion order is expiry order.
    for (const [handle, entry] of this.#receipts) {
      if (entry.expires > now) break
      this.#receipts.delete(handle)
    }
  }
}
