/**
 * The one way to make a router (issue 9, house rule 14): case-sensitive and
 * strict, so a path matches only as registered. @koa/router otherwise matches
 * `/REVIEW/` and `/review//` like `/review/`, and any check that looks at the
 * path's spelling can be walked around.
 */
import Router from '@koa/router'

/** A new router that matches paths exactly: case-sensitive, trailing slash significant. */
export function strictRouter (): Router {
  return new Router({ sensitive: true, strict: true })
}
