/**
 * Every UK police force the service covers: the 43 territorial forces of
 * England and Wales, Police Scotland, the Police Service of Northern Ireland,
 * and the three special national forces. Ids are stable: they name key folders
 * and stored records, so never rename one.
 */

/** One force and the unit that receives its reports. */
export interface Force {
  readonly id: string
  readonly name: string
  readonly unit: string
  readonly nation: 'england' | 'wales' | 'scotland' | 'northern-ireland' | 'uk'
}

const PSD = 'Professional Standards Department (Anti-Corruption Unit)'

const table: ReadonlyArray<readonly [string, string, Force['nation'], string?]> = [
  ['avon-and-somerset', 'Avon and Somerset Police', 'england'],
  ['bedfordshire', 'Bedfordshire Police', 'england'],
  ['cambridgeshire', 'Cambridgeshire Constabulary', 'england'],
  ['cheshire', 'Cheshire Constabulary', 'england'],
  ['city-of-london', 'City of London Police', 'england'],
  ['cleveland', 'Cleveland Police', 'england'],
  ['cumbria', 'Cumbria Constabulary', 'england'],
  ['derbyshire', 'Derbyshire Constabulary', 'england'],
  ['devon-and-cornwall', 'Devon and Cornwall Police', 'england'],
  ['dorset', 'Dorset Police', 'england'],
  ['durham', 'Durham Constabulary', 'england'],
  ['dyfed-powys', 'Dyfed-Powys Police', 'wales'],
  ['essex', 'Essex Police', 'england'],
  ['gloucestershire', 'Gloucestershire Constabulary', 'england'],
  ['greater-manchester', 'Greater Manchester Police', 'england'],
  ['gwent', 'Gwent Police', 'wales'],
  ['hampshire', 'Hampshire and Isle of Wight Constabulary', 'england'],
  ['hertfordshire', 'Hertfordshire Constabulary', 'england'],
  ['humberside', 'Humberside Police', 'england'],
  ['kent', 'Kent Police', 'england'],
  ['lancashire', 'Lancashire Constabulary', 'england'],
  ['leicestershire', 'Leicestershire Police', 'england'],
  ['lincolnshire', 'Lincolnshire Police', 'england'],
  ['merseyside', 'Merseyside Police', 'england'],
  ['met', 'Metropolitan Police Service', 'england', 'Directorate of Professional Standards (Anti-Corruption and Abuse Command)'],
  ['norfolk', 'Norfolk Constabulary', 'england'],
  ['north-wales', 'North Wales Police', 'wales'],
  ['north-yorkshire', 'North Yorkshire Police', 'england'],
  ['northamptonshire', 'Northamptonshire Police', 'england'],
  ['northumbria', 'Northumbria Police', 'england'],
  ['nottinghamshire', 'Nottinghamshire Police', 'england'],
  ['south-wales', 'South Wales Police', 'wales'],
  ['south-yorkshire', 'South Yorkshire Police', 'england'],
  ['staffordshire', 'Staffordshire Police', 'england'],
  ['suffolk', 'Suffolk Constabulary', 'england'],
  ['surrey', 'Surrey Police', 'england'],
  ['sussex', 'Sussex Police', 'england'],
  ['thames-valley', 'Thames Valley Police', 'england'],
  ['warwickshire', 'Warwickshire Police', 'england'],
  ['west-mercia', 'West Mercia Police', 'england'],
  ['west-midlands', 'West Midlands Police', 'england'],
  ['west-yorkshire', 'West Yorkshire Police', 'england'],
  ['wiltshire', 'Wiltshire Police', 'england'],
  ['police-scotland', 'Police Scotland', 'scotland', 'Professional Standards Department (Anti-Corruption Unit)'],
  ['psni', 'Police Service of Northern Ireland', 'northern-ireland', 'Professional Standards Department (Anti-Corruption Unit)'],
  ['british-transport', 'British Transport Police', 'uk'],
  ['civil-nuclear', 'Civil Nuclear Constabulary', 'uk'],
  ['mod', 'Ministry of Defence Police', 'uk'],
]

/** All forces, in the order shown to reporters (alphabetical by name). */
export const FORCES: readonly Force[] = Object.freeze(
  table
    .map(([id, name, nation, unit]) => Object.freeze({ id, name, nation, unit: unit ?? PSD }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en-GB')),
)

/** The id of the service's own triage unit (issue 11). */
export const TRIAGE_ID = 'triage'

/**
 * The triage unit: a recipient like a force, for reports whose reporter does
 * not know which force the person belongs to. Its reviewers read each report
 * offline and pass it to the right force with the ordinary transfer. It is
 * not a police force, so it is not in FORCES; findForce knows it.
 */
export const TRIAGE: Force = Object.freeze({ id: TRIAGE_ID, name: 'Triage unit (force not known)', unit: 'Triage unit', nation: 'uk' })

/** Every recipient of reports: the forces, then the triage unit. Key folders and reviewer accounts follow these ids. */
export const RECIPIENTS: readonly Force[] = Object.freeze([...FORCES, TRIAGE])

const byId = new Map(RECIPIENTS.map((force) => [force.id, force]))

/** The force (or the triage unit) with this id, or undefined. */
export function findForce (id: string): Force | undefined {
  return byId.get(id)
}

/** Whether `id` is the id of a known force or the triage unit. */
export function isForceId (id: string): boolean {
  return byId.has(id)
}

/**
 * The body that handles complaints about a force (issue 13): the Independent
 * Office for Police Conduct for the forces of England and Wales and the
 * national special forces, the Police Investigations and Review Commissioner
 * for Police Scotland, the Police Ombudsman for Northern Ireland for the PSNI.
 */
export type ComplaintsBody = 'iopc' | 'pirc' | 'poni'

const BODY_BY_NATION: Readonly<Record<Force['nation'], ComplaintsBody>> = {
  england: 'iopc',
  wales: 'iopc',
  uk: 'iopc',
  scotland: 'pirc',
  'northern-ireland': 'poni',
}

/** The complaints body for the force `id`, or undefined when it is no known force. */
export function complaintsBody (id: string): ComplaintsBody | undefined {
  const force = byId.get(id)
  return force === undefined ? undefined : BODY_BY_NATION[force.nation]
}
