/**
 * The report as the force's unit reads it after decryption: a plain UTF-8
 * text document. Labels are for investigators, in English; the reporter's own
 * words are copied unchanged.
 */
import { AT_RISK, CATEGORIES, DUTIES, ROLES, SETTINGS } from './categories.js'
import type { Answers } from './report-answers.js'

/** Facts about the report that are not answers. */
export interface DocumentFacts {
  readonly reportId: string
  readonly forceName: string
  readonly received: string
  readonly attachments: number
  /** How the report came in; online unless given. */
  readonly channel?: 'online' | 'phone'
}

const NOT_SAID = 'Not said'

/** Builds the report text. */
export function reportDocument (answers: Answers, facts: DocumentFacts): string {
  const lines = [
    'CANDOUR REPORT',
    `Report id: ${facts.reportId}`,
    `Force: ${facts.forceName} (${answers.force})`,
    `Received (UTC date): ${facts.received}`,
    `Sent: ${facts.channel === 'phone' ? 'by phone, written down by a call handler' : 'online'}`,
    `Category: ${CATEGORIES[answers.category]}`,
    `Person reported is: ${answers.role === undefined ? NOT_SAID : ROLES[answers.role]}`,
    `On or off duty: ${answers.duty === undefined ? NOT_SAID : DUTIES[answers.duty]}`,
    `In person or online: ${answers.setting === undefined ? NOT_SAID : SETTINGS[answers.setting]}`,
    `Roughly when: ${answers.when ?? NOT_SAID}`,
    `Someone at risk of harm now: ${answers.atRisk === undefined ? NOT_SAID : AT_RISK[answers.atRisk]}${answers.atRisk === 'yes' ? ' (URGENT)' : ''}`,
    `Contact: ${answers.anonymity === 'contact' ? 'the reporter left contact details (separate item)' : 'the reporter chose to stay anonymous'}`,
    `Attachments: ${facts.attachments}`,
    '',
    'What happened:',
    answers.message,
    '',
  ]
  return lines.join('\n')
}

/** The contact details as their own document, so they can be kept apart from the case file. */
export function contactDocument (contact: string, facts: Pick<DocumentFacts, 'reportId'>): string {
  return ['CANDOUR CONTACT DETAILS', `Report id: ${facts.reportId}`, '', contact, ''].join('\n')
}
