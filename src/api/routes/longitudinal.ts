import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  ActivityIdParamsSchema,
  LongitudinalAggregateQuerySchema,
  LongitudinalDataQuerySchema,
  LongitudinalMeanMaxQuerySchema,
  MeanMaxQuerySchema,
  ProblemSchema,
} from '../../domain/wire.ts';
import type { Engine } from '../../engine/engine.ts';
import { negotiateFormat, sendTabular } from '../tabular-reply.ts';

const problems = { 400: ProblemSchema, 401: ProblemSchema, 404: ProblemSchema, 406: ProblemSchema };
const table = (what: string) => ({
  200: z.any().describe(`${what} Arrow IPC stream, Parquet, CSV or JSON rows.`),
  ...problems,
});
const FORMATS =
  'Tabular: Arrow IPC stream, Parquet, CSV or JSON (an array of rows) by `Accept` or `?format=arrow|parquet|csv|json`.';

export function longitudinalRoutes(app: FastifyInstance, engine: Engine): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/api/v1/activities/:id/mean-max',
    {
      schema: {
        tags: ['mean-max'],
        summary: "An activity's mean-max curve",
        description: `Rows \`duration_s, value, window_s, start, start_offset_s\`: the best mean over windows of exactly d seconds (or, with \`envelope=true\`, of at least d seconds, \`window_s\` being the window that sets it), computed exactly at ingest under gap policy interp:23. \`durations\`: a comma list, \`all\` (every second to 3 min, then coarser) or absent (about 20 from 1 s to 6 h). ${FORMATS}`,
        params: ActivityIdParamsSchema,
        querystring: MeanMaxQuerySchema,
        response: table('The curve.'),
      },
    },
    async (request, reply) => {
      const format = negotiateFormat(request, request.query.format);
      const result = await engine.activityMeanMax(request.athleteId, request.params.id, request.query);
      return sendTabular(reply, engine, format, result, `${request.params.id}-mean-max`);
    },
  );

  api.get(
    '/api/v1/activities/longitudinal-mean-max',
    {
      schema: {
        tags: ['mean-max'],
        summary: 'The best efforts over many activities',
        description: `The pointwise maximum of the stored curves of every activity in range; ties go to the earliest activity; each row names \`activity_id\`, \`sport\` and the window's \`start\`. \`after\` (up to five values, kJ of work done before the window: 250, 500, 750, 1000, 1500, 2000, 2500, 3000, 4000) gives fatigue-resistance curves, one set of rows per value. ${FORMATS}`,
        querystring: LongitudinalMeanMaxQuerySchema,
        response: table('The curve.'),
      },
    },
    async (request, reply) => {
      const format = negotiateFormat(request, request.query.format);
      const result = await engine.longitudinalMeanMax(request.athleteId, request.query);
      return sendTabular(reply, engine, format, result, 'longitudinal-mean-max');
    },
  );

  api.get(
    '/api/v1/activities/longitudinal-data',
    {
      schema: {
        tags: ['activities'],
        summary: 'The samples of every matching activity, streamed',
        description: `Rows \`activity_id, sport, timestamp\` and the chosen metrics, oldest activity first, written batch by batch as DuckDB reads them (memory stays bounded whatever the size). ${FORMATS}`,
        querystring: LongitudinalDataQuerySchema,
        response: table('The samples.'),
      },
    },
    async (request, reply) => {
      const format = negotiateFormat(request, request.query.format);
      const result = await engine.longitudinalData(request.athleteId, request.query);
      return sendTabular(reply, engine, format, result, 'longitudinal-data');
    },
  );

  api.get(
    '/api/v1/activities/longitudinal-aggregate',
    {
      schema: {
        tags: ['activities'],
        summary: 'Totals per day, week, month or year',
        description: `Per local-date bucket (weeks start on Monday): \`count\`, \`elapsed_s\`, \`moving_s\`, \`distance_m\`, \`work_kj\`, \`tss\`, the reading-weighted mean and the max of each chosen metric (\`power_mean\`, \`power_max\`, …) and seconds in each Coggan power (\`power_z1_s\`…\`power_z7_s\`) and heart-rate zone (\`heart_rate_z1_s\`…\`heart_rate_z5_s\`; zones need thresholds). Buckets without activities between the range's ends have a count of 0. ${FORMATS}`,
        querystring: LongitudinalAggregateQuerySchema,
        response: table('One row per bucket.'),
      },
    },
    async (request, reply) => {
      const format = negotiateFormat(request, request.query.format);
      const result = await engine.longitudinalAggregate(request.athleteId, request.query);
      return sendTabular(reply, engine, format, result, `aggregate-${request.query.interval}`);
    },
  );
}
