/** Submitting a report over real HTTP, as a browser's form would. */

/** A file to attach. */
export interface Attachment {
  readonly name: string
  readonly content: Uint8Array
}

/** Posts the report form; resolves with the response (redirects not followed). */
export async function postReport (baseUrl: string, fields: Record<string, string>, attachments: readonly Attachment[] = []): Promise<Response> {
  // In the form's order: every text answer, then the files (the file input is the form's last field).
  const form = new FormData()
  for (const [name, value] of Object.entries(fields)) form.append(name, value)
  for (const file of attachments) form.append('attachments', new Blob([file.content as Uint8Array<ArrayBuffer>]), file.name)
  return fetch(`${baseUrl}/report`, { method: 'POST', body: form, redirect: 'manual', headers: { Origin: baseUrl } })
}

/** Submits a report and reads the codename page; resolves with the codename. */
export async function submitReport (baseUrl: string, fields: Record<string, string>, attachments: readonly Attachment[] = []): Promise<string> {
  const response = await postReport(baseUrl, fields, attachments)
  if (response.status !== 303) throw new Error(`expected 303, got ${response.status}`)
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!
  const page = await (await fetch(`${baseUrl}${response.headers.get('location')}`, { headers: { Cookie: cookie } })).text()
  const codename = /id="codename"[^>]*>\s*([a-z -]+?)\s*</.exec(page)?.[1]
  if (codename === undefined) throw new Error('no codename on the page')
  return codename
}
