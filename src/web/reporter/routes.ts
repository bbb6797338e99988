/**
 * The reporter's pages: landing page, report form, submission, codename page.
 * Handlers translate HTTP into domain calls and back; rules live in domain/.
 */
import Router from '@koa/router'
import type { Context } from 'koa'
import { ANSWER_FIELDS, checkAnswers, type AnswerField, type RawAnswers } from '../../domain/report-answers.js'
import { utcDate } from '../../domain/dates.js'
import { Submission } from '../../domain/submissions.js'
import type { ReceiptBox } from '../codename-receipts.js'
import { readMultipart } from '../multipart.js'
import type { WebDeps } from '../deps.js'
import { formErrors } from './form-errors.js'

const RECEIPT_COOKIE = 'candour_receipt'
const RECEIPT_PATH = '/report/sent'
const FIELDS = new Set<string>(ANSWER_FIELDS)

async function drain (stream: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const _ of stream) { /* discard */ }
}

/** Builds the reporter router. */
export function reporterRoutes (deps: WebDeps, receipts: ReceiptBox): Router {
  const router = new Router()
  const { config, forces } = deps
  const limits = {
    maxMessageChars: config.maxMessageChars,
    maxContactChars: config.maxContactChars,
    maxFiles: config.maxFiles,
    maxTotalMiB: Math.floor(config.maxSubmissionBytes / (1024 * 1024)),
  }

  const showForm = (ctx: Context, values: RawAnswers, errors: ReturnType<typeof formErrors>, filesDropped: boolean): void => {
    ctx.type = 'text/html; charset=utf-8'
    ctx.body = deps.render('reporter/report-form.njk', { forces: forces.list(), values, errors, filesDropped, limits })
  }

  router.get('/', (ctx) => {
    ctx.type = 'text/html; charset=utf-8'
    ctx.body = deps.render('reporter/start.njk', {})
  })

  router.get('/report', (ctx) => showForm(ctx, {}, [], false))

  router.post('/report', async (ctx) => {
    const submission = new Submission(deps.submissionDeps)
    const raw: Record<string, string> = {}
    let filesDropped = false
    let truncated = false
    try {
      await readMultipart(ctx.req, {
        maxFileBytes: config.maxSubmissionBytes,
        maxFiles: config.maxFiles,
        // UTF-8 takes at most four bytes a character; the exact count is checked in the domain.
        maxFieldBytes: config.maxMessageChars * 4 + 4,
        maxFields: 40,
      }, {
        field (name, value, wasTruncated) {
          if (!FIELDS.has(name) || Object.hasOwn(raw, name)) return
          raw[name] = value
          if (wasTruncated) truncated = true
        },
        async file (name, filename, stream) {
          // Browsers send an empty, nameless part when no file was chosen.
          if (name !== 'attachments' || filename === '') { await drain(stream); return }
          const force = raw.force ?? ''
          if (!forces.isAvailable(force)) {
            // Nothing can be encrypted without the force's keys: drop the file; the form says why.
            filesDropped = true
            await drain(stream)
            return
          }
          await submission.addAttachment(force, filename, stream)
        },
      })
    } catch (err) {
      await submission.abandon()
      throw err
    }
    const values = raw as RawAnswers
    const checked = checkAnswers(values, forces, config, utcDate())
    const problems = checked.problems.slice()
    if (truncated && !problems.some((p) => p.field === 'message')) problems.push({ field: 'message', code: 'too-long' })
    if (checked.answers === undefined || problems.length > 0) {
      filesDropped ||= submission.attachmentCount > 0
      await submission.abandon()
      ctx.status = 400
      showForm(ctx, pick(values), formErrors(problems, limits), filesDropped)
      return
    }
    let receipt
    try {
      receipt = await submission.commit(checked.answers)
    } catch (err) {
      await submission.abandon()
      throw err
    }
    const handle = receipts.put({ codename: receipt.codename, forceName: forces.name(checked.answers.force), urgent: receipt.urgent })
    // Session cookie (no Expires/Max-Age), scoped to the one page that reads it.
    ctx.set('Set-Cookie', `${RECEIPT_COOKIE}=${handle}; Path=${RECEIPT_PATH}; HttpOnly; SameSite=Strict${config.cookieSecure ? '; Secure' : ''}`)
    ctx.status = 303
    ctx.redirect(RECEIPT_PATH)
  })

  router.get(RECEIPT_PATH, (ctx) => {
    const handle = /(?:^|;\s*)candour_receipt=([A-Za-z0-9_-]{43})(?:;|$)/.exec(ctx.get('Cookie'))?.[1]
    const receipt = handle === undefined ? undefined : receipts.take(handle)
    ctx.set('Set-Cookie', `${RECEIPT_COOKIE}=; Path=${RECEIPT_PATH}; Max-Age=0; HttpOnly; SameSite=Strict${config.cookieSecure ? '; Secure' : ''}`)
    if (receipt === undefined) {
      ctx.status = 404
      ctx.type = 'text/html; charset=utf-8'
      ctx.body = deps.render('errors/error.njk', { status: 404, titleKey: 'errors.page.receiptGone.title', bodyKey: 'errors.page.receiptGone.body' })
      return
    }
    ctx.type = 'text/html; charset=utf-8'
    ctx.body = deps.render('reporter/codename.njk', receipt as unknown as Record<string, unknown>)
  })

  return router
}

// Only the text answers are echoed back into the form; nothing else a client sent.
function pick (values: RawAnswers): RawAnswers {
  const out: RawAnswers = {}
  for (const field of ANSWER_FIELDS) if (values[field] !== undefined) out[field as AnswerField] = values[field]
  return out
}
