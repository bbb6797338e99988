/**
 * Disclosure control (issue 12). A published count that moves can identify a
 * reporter, so every cell from 1 to 4 is suppressed (primary suppression), and
 * further cells are suppressed (secondary suppression) until no suppressed
 * cell can be worked out from the published ones by any combination of the
 * table's additive relations: totals over forces, sums over channels,
 * categories and outcomes, quarters and years over months.
 *
 * How the periods stay safe by construction: a month's suppression pattern is
 * a function of that month's counts only (so it never changes as later
 * months are published: cells once out stay out, and a pattern that changed
 * would let an old page and a new one be subtracted), and a quarter or year
 * cell is suppressed exactly when one of its months is. A published quarter
 * or year cell is then the sum of published month cells: it adds nothing an
 * attacker did not already have, and "quarter minus months" recovers nothing.
 *
 * Within a month, complementary cells are added until (a) no relation has
 * exactly one suppressed cell, and (b) an exact linear audit finds no
 * suppressed cell determined by the published ones: Gaussian elimination, over
 * the integers modulo a prime, of the relations restricted to the suppressed
 * cells (a cell is determined exactly when its unit vector lies in the row
 * space). Every suppressed cell, primary or secondary, is published the same
 * way, so an attacker cannot tell which is which and bound them apart.
 */

/** One additive relation among cells: total = sum of parts. */
export interface Relation {
  readonly total: string
  readonly parts: readonly string[]
}

/** Cells from 1 to 4 are suppressed. */
export const THRESHOLD = 5

/** Whether a count is a small number that is never published. */
export function isSmall (value: number): boolean {
  return value > 0 && value < THRESHOLD
}

// A prime below 2^26: products of two residues stay below 2^52, exact in a double.
const P = 67108859

function mod (a: number): number {
  const r = a % P
  return r < 0 ? r + P : r
}

function inverse (a: number): number {
  // Extended Euclid over small integers.
  let [r0, r1] = [P, mod(a)]
  let [t0, t1] = [0, 1]
  while (r1 !== 0) {
    const q = Math.floor(r0 / r1)
    ;[r0, r1] = [r1, r0 - q * r1]
    ;[t0, t1] = [t1, t0 - q * t1]
  }
  return mod(t0)
}

/**
 * The suppressed cells that the published ones determine, through any linear
 * combination of the relations. Works per connected group of relations.
 */
export function determinedCells (relations: readonly Relation[], hidden: ReadonlySet<string>): string[] {
  // Each relation restricted to the hidden cells: cell -> coefficient.
  const rows: Array<Map<string, number>> = []
  for (const relation of relations) {
    const row = new Map<string, number>()
    const bump = (cell: string, c: number): void => {
      if (!hidden.has(cell)) return
      const next = (row.get(cell) ?? 0) + c
      if (next === 0) row.delete(cell); else row.set(cell, next)
    }
    bump(relation.total, 1)
    for (const part of relation.parts) bump(part, -1)
    if (row.size > 0) rows.push(row)
  }
  // Connected components of rows sharing a cell (union-find over cells).
  const parent = new Map<string, string>()
  const find = (x: string): string => {
    let root = x
    while (parent.get(root) !== root) root = parent.get(root)!
    let node = x
    while (node !== root) { const next = parent.get(node)!; parent.set(node, root); node = next }
    return root
  }
  for (const row of rows) {
    const cells = [...row.keys()]
    for (const cell of cells) if (!parent.has(cell)) parent.set(cell, cell)
    for (const cell of cells.slice(1)) parent.set(find(cell), find(cells[0]!))
  }
  const groups = new Map<string, Array<Map<string, number>>>()
  for (const row of rows) {
    const root = find(row.keys().next().value!)
    const group = groups.get(root)
    if (group === undefined) groups.set(root, [row]); else group.push(row)
  }
  const out: string[] = []
  for (const group of groups.values()) out.push(...determinedInGroup(group))
  return out
}

function determinedInGroup (rows: ReadonlyArray<Map<string, number>>): string[] {
  const cells = [...new Set(rows.flatMap((row) => [...row.keys()]))]
  const column = new Map(cells.map((cell, i) => [cell, i]))
  const n = cells.length
  const matrix = rows.map((row) => {
    const dense = new Float64Array(n)
    for (const [cell, c] of row) dense[column.get(cell)!] = mod(c)
    return dense
  })
  // Reduced row echelon form.
  let rank = 0
  for (let col = 0; col < n && rank < matrix.length; col++) {
    let pivot = -1
    for (let r = rank; r < matrix.length; r++) if (matrix[r]![col] !== 0) { pivot = r; break }
    if (pivot === -1) continue
    ;[matrix[rank], matrix[pivot]] = [matrix[pivot]!, matrix[rank]!]
    const top = matrix[rank]!
    const inv = inverse(top[col]!)
    for (let c = col; c < n; c++) top[c] = mod(top[c]! * inv)
    for (let r = 0; r < matrix.length; r++) {
      if (r === rank) continue
      const row = matrix[r]!
      const factor = row[col]!
      if (factor === 0) continue
      for (let c = col; c < n; c++) if (top[c] !== 0) row[c] = mod(row[c]! - mod(factor * top[c]!))
    }
    rank++
  }
  // A cell is determined exactly when some reduced row is its unit vector.
  const out: string[] = []
  for (let r = 0; r < rank; r++) {
    let only = -1
    let count = 0
    const row = matrix[r]!
    for (let c = 0; c < n && count < 2; c++) if (row[c] !== 0) { only = c; count++ }
    if (count === 1) out.push(cells[only]!)
  }
  return out
}

/**
 * The cells to suppress in one self-contained block (one month): every small
 * cell, and complementary cells chosen deterministically (smallest count
 * first, a relation's total last, then by name) until the audit passes.
 */
export function suppress (values: ReadonlyMap<string, number>, relations: readonly Relation[]): Set<string> {
  const hidden = new Set<string>()
  for (const [cell, value] of values) if (isSmall(value)) hidden.add(cell)
  if (hidden.size === 0) return hidden
  const valueOf = (cell: string): number => values.get(cell) ?? 0
  const byCell = new Map<string, Relation[]>()
  for (const relation of relations) {
    for (const cell of [relation.total, ...relation.parts]) {
      const list = byCell.get(cell)
      if (list === undefined) byCell.set(cell, [relation]); else list.push(relation)
    }
  }
  // The complementary cell a relation gives up: its smallest published part, else its total.
  const complement = (relation: Relation): string | undefined => {
    const parts = relation.parts.filter((cell) => !hidden.has(cell)).sort((a, b) => valueOf(a) - valueOf(b) || (a < b ? -1 : a > b ? 1 : 0))
    if (parts.length > 0) return parts[0]
    return hidden.has(relation.total) ? undefined : relation.total
  }
  for (;;) {
    // (a) No relation with exactly one suppressed cell, repeated until stable.
    let changed = true
    while (changed) {
      changed = false
      for (const relation of relations) {
        const members = [relation.total, ...relation.parts]
        if (members.filter((cell) => hidden.has(cell)).length !== 1) continue
        const extra = complement(relation)
        if (extra !== undefined) { hidden.add(extra); changed = true }
      }
    }
    // (b) The exact audit; each determined cell gets one more complement in one of its relations.
    const found = determinedCells(relations, hidden).sort()
    if (found.length === 0) return hidden
    let added = false
    for (const cell of found) {
      for (const relation of byCell.get(cell) ?? []) {
        const extra = complement(relation)
        if (extra !== undefined) { hidden.add(extra); added = true; break }
      }
    }
    // Every relation of those cells is wholly suppressed: widen to any relation touching a suppressed cell.
    if (!added) {
      const wider = relations.find((relation) => [relation.total, ...relation.parts].some((cell) => hidden.has(cell)) && complement(relation) !== undefined)
      if (wider === undefined) return hidden
      hidden.add(complement(wider)!)
    }
  }
}
