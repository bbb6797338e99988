/** What the web layer is given by service.ts (or a test): everything it needs, nothing global. */
import type { Config } from '../config.js'
import type { ForceDirectory } from '../domain/force-directory.js'
import type { DerivationQueue } from '../domain/derivation-queue.js'
import type { Services } from '../domain/services.js'
import type { UploadGate } from './upload-gate.js'
import type { PublicStatistics } from '../domain/statistics/publication.js'

/** What a test may change in the reviewer workspace. */
export interface ReviewerOverrides {
  /** Idle time that ends a reviewer's session (15 minutes otherwise). */
  readonly idleMs?: number
  /** Time after login that ends a reviewer's session however busy (8 hours otherwise). */
  readonly lifetimeMs?: number
  /** The monotonic clock (ms) sessions measure idleness by, so a test can move it on. */
  readonly sessionClock?: () => number
  /** Idle time that ends a returning caller's view on the phone line (15 minutes otherwise). */
  readonly callIdleMs?: number
}

/** Dependencies of the Koa app. */
export interface WebDeps {
  readonly config: Config
  readonly forces: ForceDirectory
  /** The use cases and services this process offers (built once in service.ts). */
  readonly services: Services
  /** The slots codename derivations run in: logins first, then new reporters, then the reserve. */
  readonly derivations: DerivationQueue
  /** The cap on uploads in progress and the floor of free disk space. */
  readonly uploads: UploadGate
  /** The published statistics (issue 12). */
  readonly statistics: PublicStatistics
  /** Overrides the reporter's idle timeout (tests). */
  readonly reporterIdleMs?: number
  /** The monotonic clock (ms) reporter sessions are timed by, so a test can move it on. */
  readonly reporterSessionClock?: () => number
  /** Overrides of the reviewer workspace (tests). */
  readonly reviewer?: ReviewerOverrides
  /** Renders a template with the page context (the demo banner is added by the renderer). */
  readonly render: (template: string, context: Record<string, unknown>) => string
}
