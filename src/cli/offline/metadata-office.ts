/**
 * Office document metadata: the author fields of Office Open XML files (docx,
 * xlsx, pptx: docProps/core.xml and app.xml) and OpenDocument files
 * (meta.xml). These are zip files; only the small metadata parts are read,
 * each to a bounded size, so a zip bomb costs nothing.
 */
import yauzl from 'yauzl'
import { displayValue, xmlText } from './metadata-text.js'

const MAX_PART = 1024 * 1024

// Part name -> the XML elements in it that name a person or an organisation.
const PARTS: Readonly<Record<string, readonly string[]>> = {
  'docProps/core.xml': ['dc:creator', 'cp:lastModifiedBy'],
  'docProps/app.xml': ['Company', 'Manager'],
  'meta.xml': ['meta:initial-creator', 'dc:creator'],
}

async function readPart (zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<string | undefined> {
  if (entry.uncompressedSize > MAX_PART) return undefined
  const parts: Buffer[] = []
  let total = 0
  for await (const chunk of await zip.openReadStreamPromise(entry)) {
    total += (chunk as Buffer).length
    if (total > MAX_PART) return undefined
    parts.push(chunk as Buffer)
  }
  return Buffer.concat(parts).toString('utf8')
}

/** The identifying metadata of an Office or OpenDocument file; undefined when the zip is no such document. */
export async function officeMetadata (file: string): Promise<string[] | undefined> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true })
  try {
    const found: string[] = []
    let document = false
    for await (const entry of zip.eachEntry()) {
      const elements = PARTS[entry.fileName]
      if (elements === undefined) continue
      document = true
      const xml = await readPart(zip, entry)
      if (xml === undefined) {
        found.push(`${entry.fileName} too large to read`)
        continue
      }
      for (const element of elements) {
        const match = new RegExp(`<${element}(?:\\s[^>]*)?>([\\s\\S]{0,4000}?)</${element}>`, 'u').exec(xml)
        const value = displayValue(xmlText(match?.[1] ?? ''))
        if (value !== '') found.push(`${element.replace(/^[a-z]+:/u, '')} (${entry.fileName}): ${value}`)
      }
    }
    return document ? found : undefined
  } finally {
    zip.close()
  }
}
