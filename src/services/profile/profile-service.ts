import type { z } from 'zod';
import { parseSport } from '../../domain/sport.ts';
import type { AccountStatusSchema, Thresholds } from '../../domain/wire.ts';
import { compileActivityCount, compileAthleteSports, compileAthleteTags } from '../../query/activity-sql.ts';
import {
  compileEnsureAthlete,
  compileListThresholds,
  compileReplaceThresholds,
} from '../../query/catalog-sql.ts';
import type { Store } from '../../store/store.ts';
import { VersionedMemo } from '../../store/table-versions.ts';
import { assertAthleteIdValid } from './athlete-id.ts';
import { ingestThresholdEntries, readProfileRecords } from './metabolic-profile-candidates.ts';
import type { ThresholdEntry } from './resolve-thresholds.ts';

type AccountStatus = z.infer<typeof AccountStatusSchema>;

/** The catalog tables `readProfileRecords` reads: what ingest's thresholds are derived from. */
const INGEST_THRESHOLD_TABLES = ['thresholds', 'profile_markers', 'tests', 'dailies'] as const;
/** Athletes whose ingest thresholds are kept (a backfill touches one at a time). */
const MAX_REMEMBERED_ATHLETES = 256;

/** The athlete's profile: thresholds, the sports and tags they use, and what the account serves. */
export class ProfileService {
  /** Each athlete's ingest thresholds and the table version they were read under. */
  private readonly rememberedThresholds = new VersionedMemo<readonly ThresholdEntry[]>(
    MAX_REMEMBERED_ATHLETES,
  );

  constructor(
    private readonly store: Store,
    /** Told when thresholds change from a date on (the engine re-derives from there in the background). */
    private readonly onThresholdsChanged: (athleteId: string, from: string) => void = () => {},
  ) {}

  /** The athlete's thresholds, oldest first (effective-dated, per sport). */
  async listThresholds(athleteId: string): Promise<Thresholds[]> {
    return this.store.select<Thresholds>(compileListThresholds(athleteId));
  }

  /**
   * What ingest resolves per activity: these thresholds plus the metabolic profile's measured and
   * declared markers and body-mass dailies, effective-dated (`ingestThresholdEntries`).
   */
  async ingestThresholds(athleteId: string): Promise<readonly ThresholdEntry[]> {
    // Kept while none of their tables is written: ingest runs them before every upload (five
    // queries, ≈ 9 ms of CPU) and uploads never write those tables. The version is read first, so
    // a write that lands during the reads makes these entries stale under an older key only.
    const version = this.store.tableVersion(INGEST_THRESHOLD_TABLES);
    const remembered = this.rememberedThresholds.get(athleteId, version);
    if (remembered) return remembered;
    const entries = ingestThresholdEntries(await readProfileRecords(this.store, athleteId));
    this.rememberedThresholds.set(athleteId, version, entries);
    return entries;
  }

  /**
   * Sets the thresholds for a sport from a date on (replacing an entry of the same sport and date).
   * Stored metrics from that date on are re-derived in the background (`onThresholdsChanged`).
   */
  async setThresholds(athleteId: string, thresholds: Thresholds): Promise<Thresholds[]> {
    assertAthleteIdValid(athleteId);
    await this.store.write(async (tx) => {
      for (const q of [compileEnsureAthlete(athleteId), ...compileReplaceThresholds(athleteId, thresholds)]) {
        await tx.run(q.sql, q.params as never);
      }
    });
    this.onThresholdsChanged(athleteId, thresholds.effective_from);
    return this.listThresholds(athleteId);
  }

  /** The sports the athlete has activities in; with `onlyRoot`, top-level codes without modifiers. */
  async sports(athleteId: string, onlyRoot = false): Promise<string[]> {
    const rows = await this.store.select<{ sport: string }>(compileAthleteSports(athleteId));
    const sports = rows.map((r) => (onlyRoot ? parseSport(r.sport).path[0]! : r.sport));
    return [...new Set(sports)].filter((s) => s.length > 0).sort();
  }

  async tags(athleteId: string): Promise<string[]> {
    return (await this.store.select<{ tag: string }>(compileAthleteTags(athleteId))).map((r) => r.tag);
  }

  /**
   * Without provider connections, activities come from uploads and are ready as soon as any exist;
   * dailies are served (stored through the API or imported with the CLI); workouts are not (yet).
   */
  async status(athleteId: string): Promise<AccountStatus> {
    const [row] = await this.store.select<{ n: bigint | number }>(compileActivityCount(athleteId, {}));
    const activityCount = Number(row?.n ?? 0);
    const activities = activityCount > 0 ? 'ready' : 'unavailable';
    return {
      issue:
        activityCount > 0
          ? null
          : {
              code: 'no_source_connected',
              status: 'action_required',
              message:
                'No activities yet: upload files with POST /api/v1/activities/upload or `peakform ingest`.',
              destination: null,
            },
      capabilities: {
        activities,
        activity_history: activities,
        dailies: 'ready',
        workouts: 'unavailable',
      },
    };
  }
}
