/**
 * The inbox of the reviewer workspace, GET /review/: the force's reports a
 * page at a time (see domain/inbox.ts), filtered by status and category
 * through a plain GET form, with links to the next and previous pages. A
 * reviewer sees their own force and what is new since they last looked; an
 * administrator chooses a force and sees its metadata, with no news (they
 * read no report, so nothing is ever "seen" by them).
 */
import type Router from '@koa/router'
import { strictRouter } from '../router.js'
import type { Context } from 'koa'
import { CATEGORIES } from '../../domain/categories.js'
import { STATUSES, isCategory, isCursor, isStatus } from '../../domain/inbox.js'
import type { ReportStatus } from '../../domain/workspace.js'
import { CandourError } from '../../errors.js'
import type { WebDeps } from '../deps.js'
import { requireReviewer, reviewerContext, type ReviewerSessions } from './auth.js'

const NOTICES = new Set(['deleted', 'transferred', 'reply-not-sent'])

// One query parameter as a string: absent, empty or repeated counts as not given.
function param (ctx: Context, name: string): string | undefined {
  const value = ctx.query[name]
  return typeof value === 'string' && value !== '' ? value : undefined
}

function badQuery (): CandourError {
  return new CandourError('VALIDATION_FAILED', 'bad inbox query')
}

/** Builds the router of /review/. */
export function inboxRoutes (deps: WebDeps, sessions: ReviewerSessions): Router {
  const router = strictRouter()
  const { workspace } = deps.services

  router.get('/review/', async (ctx) => {
    const session = requireReviewer(ctx, sessions)
    if (session === undefined) return
    const status = param(ctx, 'status')
    const category = param(ctx, 'category')
    const after = param(ctx, 'after')
    const before = param(ctx, 'before')
    if ((status !== undefined && !isStatus(status)) || (category !== undefined && !isCategory(category)) ||
      (after !== undefined && !isCursor(after)) || (before !== undefined && !isCursor(before)) || (after !== undefined && before !== undefined)) throw badQuery()
    // A reviewer's force is their own, whatever the address says (the use case decides); an administrator picks one.
    const chosen = param(ctx, 'force')
    const filters = { ...(status === undefined ? {} : { status: status as ReportStatus }), ...(category === undefined ? {} : { category }) }
    const { viewer, force, page } = await workspace.inbox(session.data.actor, {
      ...filters,
      ...(chosen === undefined ? {} : { force: chosen }),
      ...(after === undefined ? {} : { after }),
      ...(before === undefined ? {} : { before }),
    })
    const { admin } = viewer

    // The links keep the filters (and the administrator's force); only the cursor changes.
    const base = new URLSearchParams({ ...(admin && force !== undefined ? { force } : {}), ...filters })
    const link = (cursor: Record<string, string>): string => `/review/?${new URLSearchParams({ ...Object.fromEntries(base), ...cursor }).toString()}`
    const done = param(ctx, 'done')
    ctx.type = 'text/html; charset=utf-8'
    ctx.body = deps.render('reviewer/inbox.njk', {
      ...reviewerContext(session, viewer),
      admin,
      force: force === undefined ? undefined : { id: force, name: deps.forces.name(force) },
      forces: admin ? deps.forces.list().map((f) => ({ id: f.id, name: f.name })) : [],
      rows: (page?.rows ?? []).map((row) => ({ ...row, ...(row.transferredFrom === undefined ? {} : { transferredFromName: deps.forces.name(row.transferredFrom) }) })),
      filters: { status: status ?? '', category: category ?? '' },
      filtered: status !== undefined || category !== undefined,
      statuses: STATUSES,
      categories: Object.keys(CATEGORIES),
      ...(page?.next === undefined ? {} : { nextHref: link({ after: page.next }) }),
      ...(page?.previous === undefined ? {} : { previousHref: link({ before: page.previous }) }),
      ...(done !== undefined && NOTICES.has(done) ? { notice: done } : {}),
    })
  })

  return router
}
