import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  IntensityDurationModelQuerySchema,
  IntensityDurationModelSchema,
  ProblemSchema,
  ThresholdsListSchema,
  ThresholdsSchema,
  TrainingLoadQuerySchema,
} from '../../domain/wire.ts';
import type { Engine } from '../../engine/engine.ts';
import { negotiateFormat, sendTabular } from '../tabular-reply.ts';

const problems = { 400: ProblemSchema, 401: ProblemSchema };

export function profileRoutes(app: FastifyInstance, engine: Engine): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/api/v1/profile/intensity-duration-model',
    {
      schema: {
        tags: ['profile'],
        summary: 'Effort-duration model fitted to the best efforts in range',
        description:
          "Critical power and W' (`cp2`), Morton's 3-parameter (`cp3`), `exponential` or omni-domain (`omni`) for power; critical speed and D' (`cp2`) for speed. Fitted by Levenberg–Marquardt to the envelope of the bests in range (default: the last 90 days) over a log-spaced grid inside the model's window. A fit outside sane ranges is reported with `ok: false` and the reason, never as numbers.",
        querystring: IntensityDurationModelQuerySchema,
        response: { 200: IntensityDurationModelSchema, ...problems },
      },
    },
    async (request) => engine.intensityDurationModel(request.athleteId, request.query),
  );

  api.get(
    '/api/v1/profile/training-load',
    {
      schema: {
        tags: ['profile'],
        summary: 'Daily load, CTL, ATL and TSB',
        description:
          'Rows `date, tss, ctl, atl, tsb, ramp_rate` per local date (default: the last 90 days). CTL and ATL are exponentially weighted with e^(−1/42) and e^(−1/7) from the first activity on; TSB is yesterday’s CTL − ATL; ramp rate is the CTL change over 7 days. TSS needs an FTP (PUT /api/v1/profile/thresholds).',
        querystring: TrainingLoadQuerySchema,
        response: {
          200: z.any().describe('Arrow IPC stream, Parquet, CSV or JSON rows.'),
          ...problems,
          406: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const format = negotiateFormat(request, request.query.format);
      const result = await engine.trainingLoad(request.athleteId, request.query);
      return sendTabular(reply, engine, format, result, 'training-load');
    },
  );

  api.get(
    '/api/v1/profile/thresholds',
    {
      schema: {
        tags: ['profile'],
        summary: 'Thresholds (FTP, CP, W′, LTHR, …) per sport, effective-dated',
        response: { 200: ThresholdsListSchema, ...problems },
      },
    },
    async (request) => ({ data: await engine.listThresholds(request.athleteId) }),
  );

  api.put(
    '/api/v1/profile/thresholds',
    {
      schema: {
        tags: ['profile'],
        summary: 'Set thresholds for a sport from a date on',
        description:
          'Replaces the entry of the same sport and date. Metrics already stored keep the thresholds they were computed with until `peakform recompute` re-derives them from the originals.',
        body: ThresholdsSchema,
        response: { 200: ThresholdsListSchema, ...problems },
      },
    },
    async (request) => ({ data: await engine.setThresholds(request.athleteId, request.body) }),
  );
}
