import { Engine } from './src/engine/engine.ts';
import { writeArrowIpcStream } from './src/query/formats/arrow-ipc-stream.ts';
const engine = await Engine.open({ dataDir: 'bench/.cache/lake-20200106-5y' });
const result = await engine.longitudinalData('bench', { start: '2023-01-01', end: '2024-12-31', metrics: ['power', 'heart_rate', 'cadence', 'speed'] } as never);
const t = performance.now();
let bytes = 0;
for await (const chunk of writeArrowIpcStream(result.batches)) bytes += chunk.length;
console.log((performance.now() - t).toFixed(0), 'ms', bytes);
engine.close();
