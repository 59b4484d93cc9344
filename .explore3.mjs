import { Decoder, Stream } from '@garmin/fitsdk';
import fs from 'node:fs';
const f = process.argv[2];
const d = new Decoder(Stream.fromBuffer(fs.readFileSync(f)));
const { messages } = d.read({ convertDateTimesToDates: false });
const stats = {};
for (const r of messages.recordMesgs) for (const [k,v] of Object.entries(r.developerFields ?? {})) { const s = stats[k] ??= {n:0,min:Infinity,max:-Infinity,distinct:new Set()}; s.n++; if (typeof v==='number'){s.min=Math.min(s.min,v); s.max=Math.max(s.max,v);} if (s.distinct.size<20) s.distinct.add(JSON.stringify(v)); }
for (const [k,s] of Object.entries(stats)) console.log(k, s.n, s.min, s.max, [...s.distinct].join(' '));
const ns = {};
for (const r of messages.recordMesgs) for (const k of ['saturatedHemoglobinPercent','totalHemoglobinConc','coreTemperature','power','temperature']) if (r[k]!=null){ const s= ns[k]??={n:0,min:Infinity,max:-Infinity}; s.n++; s.min=Math.min(s.min,r[k]); s.max=Math.max(s.max,r[k]);}
console.log(ns);
