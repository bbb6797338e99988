/**
 * GET /review/statistics (issue 12, item 5): a reviewer's own force's counts,
 * unsuppressed and with the current month; an administrator chooses a force
 * or the national figures. `Workspace.statistics` (the use case `candour
 * stats` calls too) checks who may see what and writes the audit entry; this
 * handler only reads the query and renders.
 */
import type Router from '@koa/router'
import type { Context } from 'koa'
import { NATIONAL } from '../../domain/statistics/own-figures.js'
import { CandourError } from '../../errors.js'
import type { WebDeps } from '../deps.js'
import { periodView, TABLES } from '../reporter/statistics-page.js'
import { strictRouter } from '../router.js'
import { requireReviewer, reviewerContext, type ReviewerSessions } from './auth.js'

// One query parameter: absent or empty is not given; repeated is bad input.
function param (ctx: Context, name: string): string | undefined {
  const value = ctx.query[name]
  if (value === undefined || value === '') return undefined
  if (typeof value !== 'string') throw new CandourError('VALIDATION_FAILED', 'bad statistics query', { detail: { field: name } })
  return value
}

/** Builds the router of /review/statistics. */
export function reviewerStatisticsRoutes (deps: WebDeps, sessions: ReviewerSessions): Router {
  const router = strictRouter()
  const { workspace } = deps.services

  router.get('/review/statistics', async (ctx) => {
    const session = requireReviewer(ctx, sessions)
    if (session === undefined) return
    const from = param(ctx, 'from')
    const to = param(ctx, 'to')
    const area = param(ctx, 'area')
    const { viewer, figures } = await workspace.statistics(session.data.actor, {
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
      ...(area === undefined ? {} : { area }),
    })
    const columns = [...figures.periods.map(periodView), { id: 'total', type: 'total' }]
    ctx.type = 'text/html; charset=utf-8'
    ctx.body = deps.render('reviewer/statistics.njk', {
      ...reviewerContext(session, viewer!),
      admin: viewer!.admin,
      area: { id: figures.area, ...(figures.area === NATIONAL ? {} : { name: deps.forces.name(figures.area) }) },
      areas: viewer!.admin ? [{ id: NATIONAL }, ...deps.forces.list().map((force) => ({ id: force.id, name: force.name }))] : [],
      from: figures.from,
      to: figures.to,
      columns,
      tables: TABLES.map((table) => ({ id: table.id, rows: table.measures.map((measure) => ({ measure, values: columns.map((column) => figures.value(column.id, measure)) })) })),
    })
  })

  return router
}
