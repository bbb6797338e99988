/** Turns the domain's (field, code) problems into catalogue keys for the report form. */
import type { Problem } from '../../domain/report-answers.js'
import type { FieldError } from '../render.js'
import type { FormLimits } from './limits.js'

const KEYS: Record<string, string> = {
  'force/missing': 'errors.report.forceMissing',
  'force/unknown': 'errors.report.forceUnknown',
  'force/unavailable': 'errors.report.forceUnavailable',
  'category/missing': 'errors.report.categoryMissing',
  'category/unknown': 'errors.report.categoryUnknown',
  'message/missing': 'errors.report.messageMissing',
  'message/too-long': 'errors.report.messageTooLong',
  'anonymity/missing': 'errors.report.anonymityMissing',
  'anonymity/invalid': 'errors.report.anonymityMissing',
  'contact/missing': 'errors.report.contactMissing',
  'contact/too-long': 'errors.report.contactTooLong',
  'role/invalid': 'errors.report.roleInvalid',
  'duty/invalid': 'errors.report.dutyInvalid',
  'setting/invalid': 'errors.report.settingInvalid',
  'at-risk/invalid': 'errors.report.atRiskInvalid',
  'when-month/invalid': 'errors.report.whenMonthInvalid',
  'when-month/future': 'errors.report.whenFuture',
  'when-year/invalid': 'errors.report.whenYearInvalid',
  'when-year/future': 'errors.report.whenFuture',
  'attachments/too-long': 'errors.report.filesTooLarge',
  'attachments/invalid': 'errors.report.tooManyFiles',
  'attachments/dropped': 'errors.report.attachmentsDropped',
}


/** The form errors for a list of problems, in form order. */
export function formErrors (problems: readonly Problem[], limits: FormLimits): FieldError[] {
  return problems.map((problem) => {
    const key = KEYS[`${problem.field}/${problem.code}`]
    if (key === undefined) throw new TypeError('no message for a form problem')
    return {
      field: problem.field,
      key,
      params: { max: problem.field === 'contact' ? limits.maxContactChars : problem.field === 'attachments' ? limits.maxFiles : limits.maxMessageChars, maxTotalMiB: limits.maxTotalMiB, maxFiles: limits.maxFiles },
    }
  })
}
