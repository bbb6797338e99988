/**
 * The domain over a real LevelDB and real keys, without HTTP: three forces
 * with fresh key pairs whose secret halves the test holds, and reports sent
 * through the very Submission the web layer uses.
 */
import type { RecipientKeys } from '../../src/crypto/keys.js'
import { authenticate, type ReporterIdentity } from '../../src/domain/reporters.js'
import { CodenameReserve } from '../../src/domain/codename-reserve.js'
import { DerivationQueue } from '../../src/domain/derivation-queue.js'
import { Submission, type SubmissionDeps } from '../../src/domain/submissions.js'
import type { Kv } from '../../src/store/kv.js'
import { loadPeppers } from '../../src/store/peppers.js'
import { getReport, type ReportRecord } from '../../src/store/records.js'
import { keyPair } from './bundles.js'
import { tempStore } from './reports.js'

/** A force's key pair as the test holds it. */
export interface ForceKeys {
  readonly publicKey: string
  readonly privateKey: string
  readonly recipients: RecipientKeys
}

/** The fixture. */
export interface DomainFixture {
  readonly kv: Kv
  readonly dataDir: string
  readonly deps: SubmissionDeps
  readonly keys: Readonly<Record<'kent' | 'met' | 'essex', ForceKeys>>
  /** Sends a report as a new reporter; resolves with the stored report and the codename. */
  submit (force: string, message: string, attachments?: ReadonlyArray<{ name: string; content: Uint8Array }>, options?: { atRisk?: 'yes' | 'no'; reporterId?: string }): Promise<{ report: ReportRecord; codename?: string }>
  /** The reporter's identity for a codename. */
  login (codename: string): Promise<ReporterIdentity>
  report (id: string): Promise<ReportRecord>
  dispose (): Promise<void>
}

/** Opens a store and makes keys for kent, met and essex. */
export async function domainFixture (): Promise<DomainFixture> {
  const store = await tempStore()
  const [kent, met, essex] = await Promise.all([keyPair('kent'), keyPair('met'), keyPair('essex')])
  const peppers = await loadPeppers(store.dataDir)
  const deps: SubmissionDeps = {
    kv: store.kv,
    recipients: new Map([['kent', kent.recipients], ['met', met.recipients], ['essex', essex.recipients]]),
    peppers,
    scryptCost: 1024,
    // Off: every new reporter is made on the spot (test/domain/codename-reserve.test.ts covers the reserve).
    reserve: new CodenameReserve({ peppers, scryptCost: 1024, derivations: new DerivationQueue() }, 0),
  }
  const report = async (id: string): Promise<ReportRecord> => {
    const found = await getReport(store.kv, id)
    if (found === undefined) throw new Error('no such report')
    return found
  }
  return {
    kv: store.kv,
    dataDir: store.dataDir,
    deps,
    keys: { kent, met, essex },
    async submit (force, message, attachments = [], options = {}) {
      const submission = new Submission(deps)
      for (const file of attachments) await submission.addAttachment(force, file.name, (async function * () { yield file.content })())
      const receipt = await submission.commit({ force, category: 'bribery', message, anonymity: 'anonymous', atRisk: options.atRisk ?? 'no' }, options.reporterId === undefined ? {} : { reporterId: options.reporterId })
      return { report: await report(receipt.reportId), ...(receipt.codename === undefined ? {} : { codename: receipt.codename }) }
    },
    async login (codename) {
      const identity = await authenticate(store.kv, deps.peppers, deps.scryptCost, codename)
      if (identity === undefined) throw new Error('codename not recognised')
      return identity
    },
    report,
    dispose: () => store.dispose(),
  }
}
