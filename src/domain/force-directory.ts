/** The forces as the site offers them: known, and available while they have a usable key. */
import { RECIPIENTS, complaintsBody, findForce, type ComplaintsBody } from './forces.js'

/** Forces with their availability. */
export interface ForceDirectory {
  isKnown (id: string): boolean
  isAvailable (id: string): boolean
  name (id: string): string
  /** The body that handles complaints about the force, or undefined for an unknown id. */
  complaintsBody (id: string): ComplaintsBody | undefined
  /** Every force, then the triage unit (id `triage`, which forms offer as "I do not know which force"), with its availability now; the same array for as long as nothing changes. */
  list (): ReadonlyArray<{ id: string; name: string; available: boolean }>
}

/**
 * A directory over the registry, given which forces have a usable key. `withKeys`
 * is asked at every call, so a force whose last key expires while the server runs
 * is shown as unavailable from then on (issue 9).
 */
export function forceDirectory (withKeys: { has (id: string): boolean }): ForceDirectory {
  let list: ReadonlyArray<{ id: string; name: string; available: boolean }> = []
  let signature: string | undefined
  return {
    isKnown: (id) => findForce(id) !== undefined,
    isAvailable: (id) => findForce(id) !== undefined && withKeys.has(id),
    name: (id) => findForce(id)?.name ?? id,
    complaintsBody,
    list () {
      const available = RECIPIENTS.map((force) => withKeys.has(force.id))
      const now = available.map((a) => (a ? '1' : '0')).join('')
      if (now !== signature) {
        signature = now
        list = Object.freeze(RECIPIENTS.map((force, i) => Object.freeze({ id: force.id, name: force.name, available: available[i]! })))
      }
      return list
    },
  }
}
