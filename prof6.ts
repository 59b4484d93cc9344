import { Engine } from './src/engine/engine.ts';
import { writeArrowIpcStream } from './src/query/formats/arrow-ipc-stream.ts';
const engine = await Engine.open({ dataDir: 'bench/.cache/lake-20200106-5y' });
const q = (d?: 'all') => ({ metric: 'power', sport: ['cycling'], start: '2020-01-01', end: '2024-12-31', ...(d ? { durations: d } : {}) }) as never;
let t = performance.now(); await engine.longitudinalMeanMax('bench', q()); console.log('first (loads index)', (performance.now() - t).toFixed(0), 'ms');
for (const d of [undefined, 'all'] as const) for (let i = 0; i < 3; i++) { t = performance.now(); const r = await engine.longitudinalMeanMax('bench', q(d)); for await (const _ of r.batches); console.log(d ?? 'default', (performance.now() - t).toFixed(2), 'ms'); }
console.log('rss', Math.round(process.memoryUsage().rss / 1e6), 'MB');
for (const metrics of [undefined, ['power', 'heart_rate', 'cadence', 'speed']]) {
  t = performance.now();
  const result = await engine.longitudinalData('bench', { start: '2020-01-01', end: '2024-12-31', metrics } as never);
  let bytes = 0;
  for await (const chunk of writeArrowIpcStream(result.batches)) bytes += chunk.length;
  const s = (performance.now() - t) / 1000;
  console.log(`arrow ${metrics ? metrics.length : 'all'} metrics: ${(8007497 / s / 1e6).toFixed(2)} M rows/s, ${(bytes / 1e6).toFixed(0)} MB`);
}
engine.close();
