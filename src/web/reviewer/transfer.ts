/**
 * The transfer form of the report page, POST /review/report/<id>/transfer
 * (multipart: csrf, to, bundle). The bundle, re-encrypted on the offline
 * machine with `candour transfer`, is read into memory as it arrives (it is
 * ciphertext; a zip must be read at random), capped by the report's own size
 * (transferLimit), and only one transfer runs at a time, so at most one such
 * upload is held. A bundle that is refused shows the report page again with
 * the reason on the form; nothing is changed.
 */
import type Router from '@koa/router'
import { strictRouter } from '../router.js'
import type { Context } from 'koa'
import type { ZipBytes } from '../../domain/bundle-zip.js'
import { CandourError, isCandourError } from '../../errors.js'
import type { WebDeps } from '../deps.js'
import { readMultipart } from '../multipart.js'
import type { FieldError } from '../render.js'
import { drain } from '../reporter/routes.js'
import { checkCsrf, requireReviewer, type ReviewerSessions } from './auth.js'
import { renderReportPage } from './report-page.js'

/** Runs tasks one after another. */
class Serial {
  #tail: Promise<unknown> = Promise.resolve()

  run<T> (task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task)
    this.#tail = result.catch(() => {})
    return result
  }
}

// The reasons a bundle is refused, as the form states them.
const BUNDLE_MESSAGES: Record<string, string> = {
  'not-zip': 'review.transfer.errors.notZip',
  'unexpected-file': 'review.transfer.errors.unexpectedFile',
  'duplicate-file': 'review.transfer.errors.duplicateFile',
  'missing-item': 'review.transfer.errors.missingItem',
  'not-openpgp': 'review.transfer.errors.notOpenpgp',
  'wrong-recipients': 'review.transfer.errors.wrongRecipients',
  'too-large': 'review.transfer.errors.tooLarge',
  'report-changed': 'review.transfer.errors.reportChanged',
}

// A refusal shown on the form, or undefined for an error that is not about the form.
function formError (err: unknown, limitMiB: number): FieldError | undefined {
  if (isCandourError(err, 'BUNDLE_INVALID')) {
    const key = BUNDLE_MESSAGES[String(err.detail.reason)]
    return key === undefined ? undefined : { field: 'bundle', key }
  }
  if (isCandourError(err, 'PAYLOAD_TOO_LARGE')) return { field: 'bundle', key: 'review.transfer.errors.bundleTooLarge', params: { max: limitMiB } }
  if (isCandourError(err, 'FORCE_UNKNOWN')) return { field: 'to', key: 'review.transfer.errors.toMissing' }
  if (isCandourError(err, 'FORCE_UNAVAILABLE')) return { field: 'to', key: 'review.transfer.errors.toUnavailable' }
  if (isCandourError(err, 'VALIDATION_FAILED') && err.detail.field === 'to') return { field: 'to', key: 'review.transfer.errors.toSame' }
  return undefined
}

/** Builds the router of the transfer form. */
export function transferRoutes (deps: WebDeps, sessions: ReviewerSessions): Router {
  const router = strictRouter()
  const { workspace } = deps.services
  const serial = new Serial()

  router.post('/review/report/:id/transfer', async (ctx: Context) => {
    const session = requireReviewer(ctx, sessions)!
    // Checked before the body is read: another force's report is not found, and nothing is uploaded for it.
    const { report, transferLimit: limit } = await workspace.reportForForm(session.data.actor, ctx.params.id ?? '')
    const limitMiB = Math.max(1, Math.ceil(limit / (1024 * 1024)))
    let csrf: string | undefined
    let to = ''
    let bundle: ZipBytes | undefined
    try {
      await serial.run(async () => {
        await readMultipart(ctx.req, { maxFileBytes: limit, maxFiles: 1, maxFieldBytes: 256, maxFields: 4 }, {
          field (name, value) {
            if (name === 'csrf') csrf ??= value
            else if (name === 'to') to = value
          },
          snapshot: () => csrf,
          async file (name, filename, stream, before) {
            if (name !== 'bundle' || filename === '') { await drain(stream); return }
            // Judged by the token that came before the file: nothing is held for a forged form.
            checkCsrf(session, before)
            const chunks: Uint8Array[] = []
            let size = 0
            for await (const chunk of stream) { chunks.push(chunk); size += chunk.byteLength }
            bundle = { chunks, size }
          },
        })
        checkCsrf(session, csrf)
        if (to === '') throw new CandourError('FORCE_UNKNOWN', 'no receiving force chosen', { detail: { field: 'to' } })
        if (bundle === undefined) throw new CandourError('BUNDLE_INVALID', 'no bundle chosen', { detail: { reason: 'missing-bundle' } })
        await workspace.transfer(session.data.actor, report.id, to, bundle)
      })
    } catch (err) {
      bundle = undefined
      const missing = isCandourError(err, 'BUNDLE_INVALID') && err.detail.reason === 'missing-bundle'
      const error = missing ? { field: 'bundle', key: 'review.transfer.errors.bundleMissing' } : formError(err, limitMiB)
      if (error === undefined) throw err
      const status = isCandourError(err, 'PAYLOAD_TOO_LARGE') ? 413 : 400
      // The rest of an oversized upload is not read: close once the page is sent.
      if (status === 413) ctx.set('Connection', 'close')
      const again = await workspace.reportForForm(session.data.actor, report.id)
      renderReportPage(ctx, deps, session, again.viewer, again.report, { errors: [error], values: { to } }, status)
      return
    }
    ctx.status = 303
    ctx.redirect('/review/?done=transferred')
  })

  return router
}
