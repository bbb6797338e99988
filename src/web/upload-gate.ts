/**
 * Bounds on anonymous uploads (issue 9): at most `maxUploads` form uploads in
 * progress at once (more are told the service is busy before their body is
 * read), and a floor of free space in DATA_DIR below which attachments are
 * refused before they are read, while text-only reports are still taken. Each
 * upload may store hundreds of MiB; without these, a few slow clients could
 * fill the disk under everyone else's reports, or hold every socket.
 *
 * An upload keeps its place until its handler ends, including the wait of a
 * new reporter for a codename made on the spot. That wait is never refused once
 * the upload is admitted (domain/derivation-queue.ts), so this cap is also what
 * bounds how far past its own bound the new-reporter queue can grow.
 */
import type { Middleware } from 'koa'
import { CandourError } from '../errors.js'
import { logLine } from '../log.js'

/** What the handler of an admitted upload learns. */
export interface UploadTicket {
  /** False when the disk is below the floor: a named file part must be refused before it is read. */
  readonly filesAllowed: boolean
}

/** Settings of the gate. */
export interface UploadGateOptions {
  readonly maxUploads: number
  readonly minFreeBytes: number
  /** Free bytes in DATA_DIR (service.ts passes the store's statfs probe; the web layer never imports the store). */
  readonly freeSpace: () => Promise<number>
}

/** Counts uploads in progress and measures the disk as each one starts. */
export class UploadGate {
  readonly #options: UploadGateOptions
  #active = 0
  #busyReads = 0
  #low = false

  constructor (options: UploadGateOptions) {
    this.#options = options
  }

  /** Uploads in progress now. */
  get active (): number {
    return this.#active
  }

  /**
   * Middleware for an upload route: past the cap, `busy` answers (it may read the form's text, never its files),
   * or BUSY is thrown; `ctx.state.upload` holds the ticket until the handler ends.
   */
  middleware (busy?: Middleware): Middleware {
    return async (ctx, next) => {
      // Counted before anything is awaited, so a burst cannot slip past the cap.
      if (this.#active >= this.#options.maxUploads) {
        // Reading text to hand it back is bounded per request (budget, deadline) and here in number: as many as
        // uploads again. Past that the busy page is sent unread, as before: the writer is refused either way.
        if (busy === undefined || this.#busyReads >= this.#options.maxUploads) throw new CandourError('BUSY', 'too many uploads in progress')
        this.#busyReads++
        try {
          await busy(ctx, async () => {})
        } finally {
          this.#busyReads--
        }
        return
      }
      this.#active++
      try {
        ctx.state.upload = { filesAllowed: await this.#roomForFiles() } satisfies UploadTicket
        await next()
      } finally {
        this.#active--
      }
    }
  }

  async #roomForFiles (): Promise<boolean> {
    let free: number
    try {
      free = await this.#options.freeSpace()
    } catch {
      // A disk that cannot be measured is treated as full: text is still taken.
      free = 0
    }
    const room = free >= this.#options.minFreeBytes
    // Logged when the state changes, not per request: the log must not become a record of visits.
    if (room === this.#low) {
      this.#low = !room
      logLine(room ? 'free space in DATA_DIR is above the floor again: attachments accepted' : 'free space in DATA_DIR is below CANDOUR_MIN_FREE_MIB: attachments refused')
    }
    return room
  }
}

/** The ticket of the upload in progress on this request (set by UploadGate's middleware). */
export function uploadTicket (state: Record<string, unknown>): UploadTicket {
  const ticket = state.upload as UploadTicket | undefined
  if (ticket === undefined) throw new TypeError('upload route without the upload gate')
  return ticket
}

/** Throws STORAGE_LOW for a named file part when the disk is below the floor. */
export function refuseFileIfLow (ticket: UploadTicket): void {
  if (!ticket.filesAllowed) throw new CandourError('STORAGE_LOW', 'free space below the floor: attachments refused')
}
