import test from 'ava'
import { complaintsBody, FORCES } from '../../src/domain/forces.js'

test('each force has the complaints body of its nation: IOPC for England, Wales and the national forces, PIRC for Scotland, the Ombudsman for Northern Ireland', (t) => {
  t.is(complaintsBody('kent'), 'iopc')
  t.is(complaintsBody('met'), 'iopc')
  for (const welsh of ['dyfed-powys', 'gwent', 'north-wales', 'south-wales']) t.is(complaintsBody(welsh), 'iopc', welsh)
  for (const national of ['british-transport', 'civil-nuclear', 'mod']) t.is(complaintsBody(national), 'iopc', national)
  t.is(complaintsBody('police-scotland'), 'pirc')
  t.is(complaintsBody('psni'), 'poni')
  t.is(complaintsBody('no-such-force'), undefined)
  // Every force has one, and only the two forces outside England and Wales have another than the IOPC.
  t.deepEqual(FORCES.filter((f) => complaintsBody(f.id) !== 'iopc').map((f) => f.id).sort(), ['police-scotland', 'psni'])
})
