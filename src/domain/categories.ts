/** The closed values a report's answers may take, shared by validation and the report document. */

/** The kinds of wrongdoing, with the label written into the report document for investigators. */
export const CATEGORIES = {
  bribery: 'Bribery',
  'abuse-of-position': 'Abuse of position',
  'sexual-misconduct': 'Sexual misconduct',
  'domestic-abuse': 'Domestic abuse',
  discrimination: 'Discrimination',
  other: 'Other serious corruption or criminality',
} as const

/** A category id. */
export type Category = keyof typeof CATEGORIES

/** Who the person reported is. */
export const ROLES = { officer: 'Police officer', staff: 'Member of police staff', volunteer: 'Volunteer (for example a special constable)', unknown: 'Not sure' } as const
/** On or off duty. */
export const DUTIES = { on: 'On duty', off: 'Off duty', unknown: 'Not sure' } as const
/** Where it happened. */
export const SETTINGS = { 'in-person': 'In person', online: 'Online', both: 'Both in person and online', unknown: 'Not sure' } as const
/** Whether the reporter leaves contact details. */
export const ANONYMITY = { anonymous: 'Stay anonymous', contact: 'Leave contact details' } as const
/** Whether someone is at risk of harm now. */
export const AT_RISK = { yes: 'Yes', no: 'No' } as const

/** Whether `value` is one of the keys of `table`. */
export function isOneOf<T extends object> (table: T, value: string): value is Extract<keyof T, string> {
  return Object.hasOwn(table, value)
}
