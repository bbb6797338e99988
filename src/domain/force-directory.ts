/** The forces as the site offers them: known, and available when they have a usable key. */
import { FORCES, findForce } from './forces.js'

/** Forces with their availability. */
export interface ForceDirectory {
  isKnown (id: string): boolean
  isAvailable (id: string): boolean
  name (id: string): string
  list (): ReadonlyArray<{ id: string; name: string; available: boolean }>
}

/** A directory over the registry, given the ids of forces that have keys. */
export function forceDirectory (withKeys: ReadonlySet<string>): ForceDirectory {
  const list = Object.freeze(FORCES.map((force) => Object.freeze({ id: force.id, name: force.name, available: withKeys.has(force.id) })))
  return {
    isKnown: (id) => findForce(id) !== undefined,
    isAvailable: (id) => withKeys.has(id) && findForce(id) !== undefined,
    name: (id) => findForce(id)?.name ?? id,
    list: () => list,
  }
}
