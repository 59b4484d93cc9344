import { Decoder, Stream } from '@garmin/fitsdk';
import fs from 'node:fs';
for (const f of process.argv.slice(2)) {
const d = new Decoder(Stream.fromBuffer(fs.readFileSync(f)));
const { messages, errors } = d.read({ convertDateTimesToDates: false });
console.log('==', f, errors.map(String));
for (const m of messages.fieldDescriptionMesgs ?? []) console.log('fd', JSON.stringify(m));
const recs = messages.recordMesgs ?? [];
for (const i of [0, 100, Math.floor(recs.length/2), recs.length-1]) console.log(JSON.stringify(recs[i]));
console.log('keys', [...new Set(recs.flatMap(r => Object.keys(r)))].join(','));
}
