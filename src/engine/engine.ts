import {
  DEFAULT_CURVE_GAP_POLICY,
  formatGapPolicy,
  type GapPolicy,
  parseGapPolicy,
} from '../analytics/gap-policy.ts';
import { PeakformError } from '../domain/errors.ts';
import { compileGetSetting, compileSetSetting } from '../query/catalog-sql.ts';
import { lakeArrowPool } from '../query/formats/lake-arrow-pool.ts';
import { ActivityService } from '../services/activities/activity-service.ts';
import { AppMetadataService } from '../services/app-metadata/app-metadata-service.ts';
import { DailyService } from '../services/dailies/daily-service.ts';
import { DelegationService } from '../services/identity/delegation-service.ts';
import { IdentityService } from '../services/identity/identity-service.ts';
import type { ThrottleLimits } from '../services/identity/login-throttle.ts';
import { PortalService } from '../services/identity/portal-service.ts';
import { TeamService } from '../services/identity/team-service.ts';
import { UserService } from '../services/identity/user-service.ts';
import { type ImportOptions, ImportService } from '../services/imports/import-service.ts';
import { LongitudinalService } from '../services/longitudinal/longitudinal-service.ts';
import { PageService } from '../services/pages/page-service.ts';
import { ThresholdRecompute } from '../services/profile/metabolic-profile-recompute.ts';
import { MetabolicProfileService } from '../services/profile/metabolic-profile-service.ts';
import { ProfileService } from '../services/profile/profile-service.ts';
import type { DecodeRequest } from '../services/sources/decode-and-derive.ts';
import { DecodePool } from '../services/sources/decode-pool.ts';
import { runDecodeTask } from '../services/sources/decode-task.ts';
import { IngestService } from '../services/sources/ingest-service.ts';
import { streamParquet } from '../services/tabular-export.ts';
import type { TabularResult } from '../services/tabular-result.ts';
import { TestService } from '../services/tests/test-service.ts';
import { TraceService } from '../services/tests/trace-service.ts';
import { TokenService } from '../services/tokens/token-service.ts';
import { type WebhookOptions, WebhookService } from '../services/webhooks/webhook-service.ts';
import { type BackupSummary, backupDataDir } from '../store/backup.ts';
import { ImportJobRepository } from '../store/import-job-repository.ts';
import { RecomputeRepository } from '../store/recompute-repository.ts';
import { Store } from '../store/store.ts';
import { configureWorkerHeaps } from './worker-heaps.ts';

export type { Account } from '../services/identity/account-service.ts';
export { type Application, SDK_CLIENT_ID } from '../services/identity/application-service.ts';
export type { AuthorizationServer } from '../services/identity/authorization-server.ts';
export { DELEGATED_REFRESH_PREFIX, type TokenPair } from '../services/identity/delegation-service.ts';
export type { PortalLink } from '../services/identity/portal-service.ts';
export type { Team, TeamRole } from '../services/identity/team-service.ts';
export type { UserEntry } from '../services/identity/user-service.ts';
export type { IncomingPageFile, Page } from '../services/pages/page-service.ts';
export type { StagedUpload } from '../services/sources/ingest-service.ts';
export type { TabularResult } from '../services/tabular-result.ts';
export type { VerifiedToken } from '../services/tokens/token-service.ts';
export type {
  DeliveryWithAttempts,
  WebhookEndpoint,
  WebhookEvent,
} from '../services/webhooks/webhook-service.ts';
/** Every file under a folder (recursive), for commands that ingest folders. */
export { listFiles } from '../store/lake.ts';

export interface EngineOptions {
  dataDir: string;
  /**
   * Gap policy of the curves stored at ingest (default `interp:23`). Fixed when a data dir is
   * created, so that one lake never mixes policies; opening it with another policy is an error.
   */
  curveGapPolicy?: string;
  /**
   * Worker threads that decode and derive files (default: the cores, at most 4); 0 runs that work
   * in the calling thread (short-lived CLI commands on one file, tests of the kernels).
   */
  decodeWorkers?: number;
  /** Failed sign-ins allowed per account and address in a window (tests narrow it). */
  loginThrottle?: ThrottleLimits;
  /** Webhook delivery: timeouts, retry timing, concurrency, URL policy (tests shorten the delays). */
  webhooks?: WebhookOptions;
  /** Import jobs: how many run at once, the queue's bounds, files per batch. */
  imports?: ImportOptions;
}

/**
 * The composition root: opens a data dir and wires one service per resource over it. The API,
 * the CLI and the demo drive these services; every service method takes the athlete it acts for
 * and never reads or changes another athlete's data.
 */
export class Engine {
  readonly activities: ActivityService;
  readonly sources: IngestService;
  readonly longitudinal: LongitudinalService;
  readonly profile: ProfileService;
  readonly dailies: DailyService;
  /** Markers, zones and W/kg; declared markers; the background re-derivation after a threshold change. */
  readonly metabolicProfile: MetabolicProfileService;
  private readonly thresholdRecompute: ThresholdRecompute;
  /** Tests with their results, traces and overlapping activities (WIRE.md §3.6). */
  readonly tests: TestService;
  /** Traces: single measurements in time (WIRE.md §3.5). */
  readonly traces: TraceService;
  /** Each application's own metadata on records (WIRE.md §3.4). */
  readonly appMetadata: AppMetadataService;
  /** Managed users and the users a caller can act for (WIRE.md §3.9). */
  readonly users: UserService;
  /** Webhook endpoints, secrets, deliveries, replay and the events feed (WIRE.md §6). */
  readonly webhooks: WebhookService;
  /** Import jobs: uploads ingested in the background with progress (issue 11); run by a server. */
  readonly imports: ImportService;
  private writeQueue: Promise<unknown> = Promise.resolve();

  private readonly decodePool: DecodePool | undefined;

  private constructor(
    readonly store: Store,
    readonly curveGapPolicy: GapPolicy,
    readonly tokens: TokenService,
    /** Accounts, applications and the OAuth authorization server. */
    readonly identity: IdentityService,
    decodeWorkers: number | undefined,
    /** Teams, their members and athletes' grants (WIRE.md §3.10). */
    readonly teams: TeamService,
    /** Delegated and principal tokens (WIRE.md §5.5). */
    readonly delegation: DelegationService,
    /** One-time Portal links (WIRE.md §3.12). */
    readonly portal: PortalService,
    webhookOptions: WebhookOptions | undefined,
    /** Static sites per application, served at /pages/<slug>/ (WIRE.md §3.13). */
    readonly pages: PageService,
    importOptions: ImportOptions | undefined,
  ) {
    this.webhooks = new WebhookService(store, identity.applications, webhookOptions);
    // Writes that derive from what is stored (ingest, recompute, delete) run one at a time.
    const enqueueWrite = <T>(work: () => Promise<T>): Promise<T> => {
      const next = this.writeQueue.then(work);
      this.writeQueue = next.catch(() => undefined);
      return next;
    };
    this.longitudinal = new LongitudinalService(store, curveGapPolicy);
    // Drops what is cached of an athlete's activities (curve index, catalog view) after a write.
    const changed = (athleteId: string) => {
      this.longitudinal.invalidate(athleteId);
      this.activities.invalidate(athleteId);
    };
    // A threshold change (declared marker, test, body-mass daily, thresholds) re-derives the
    // athlete's activities from its date on, in the background, through the write queue.
    this.thresholdRecompute = new ThresholdRecompute(
      async (athleteId, from, progress) => {
        await this.sources.recompute(athleteId, (source) => progress.source(source.activity_ids.length), {
          from,
          total: progress.total,
          cancelled: progress.cancelled,
        });
      },
      undefined,
      new RecomputeRepository(store),
    );
    const thresholdsChanged = (athleteId: string, from: string) =>
      this.thresholdRecompute.schedule(athleteId, from);
    this.profile = new ProfileService(store, thresholdsChanged);
    this.dailies = new DailyService(store, (athleteId, measure, date) => {
      if (measure === 'body_mass') thresholdsChanged(athleteId, date);
    });
    this.metabolicProfile = new MetabolicProfileService(
      store,
      (athleteId, query) => this.longitudinal.intensityDurationModel(athleteId, query),
      this.thresholdRecompute,
    );
    this.traces = new TraceService(store);
    // A test's results are measured markers: a change re-derives from its date on.
    this.tests = new TestService(store, this.traces, thresholdsChanged);
    this.appMetadata = new AppMetadataService(store);
    this.activities = new ActivityService(store, changed, enqueueWrite);
    this.users = new UserService(store, identity.accounts, teams, delegation, tokens, enqueueWrite, changed);
    this.decodePool = decodeWorkers === 0 ? undefined : new DecodePool({ size: decodeWorkers });
    const pool = this.decodePool;
    const decode = pool
      ? (request: DecodeRequest) => pool.run(request)
      : // In this thread the store writes the lake files at commit: writing them ahead gains nothing.
        async (request: DecodeRequest) => runDecodeTask({ ...request, writeLakeFiles: undefined });
    this.sources = new IngestService(store, this.profile, curveGapPolicy, enqueueWrite, changed, decode);
    this.imports = new ImportService(new ImportJobRepository(store), this.sources, importOptions);
  }

  static async open(options: EngineOptions): Promise<Engine> {
    configureWorkerHeaps();
    const store = await Store.open(options.dataDir);
    try {
      const policy = await settleCurveGapPolicy(store, options.curveGapPolicy);
      const tokens = await TokenService.open(store);
      const identity = await IdentityService.open(store, tokens, options.loginThrottle);
      const teams = await TeamService.open(store);
      const delegation = await DelegationService.open(store, tokens, teams);
      const portal = new PortalService(store, identity.applications);
      const pages = await PageService.open(store, identity.applications);
      const engine = new Engine(
        store,
        policy,
        tokens,
        identity,
        options.decodeWorkers,
        teams,
        delegation,
        portal,
        options.webhooks,
        pages,
        options.imports,
      );
      // Re-derivations a previous process scheduled but did not finish.
      for (const { athleteId, from } of await new RecomputeRepository(store).list()) {
        engine.thresholdRecompute.schedule(athleteId, from);
      }
      return engine;
    } catch (error) {
      store.close();
      throw error;
    }
  }

  get dataDir(): string {
    return this.store.lake.dataDir;
  }

  /** Waits for the background bookkeeping a change asked for (the re-derivation journal); before `close` when the process ends. */
  flush(): Promise<void> {
    return this.thresholdRecompute.flush();
  }

  close(): void {
    void this.imports.stop();
    this.thresholdRecompute.close();
    this.webhooks.stopDelivery();
    void this.decodePool?.close();
    this.store.close();
  }

  /** What disagrees between the catalog and the files (nothing on a healthy data dir). */
  async checkConsistency(): Promise<string[]> {
    return [...(await this.store.checkConsistency()), ...(await this.pages.checkConsistency())];
  }

  /** Starts the decode workers ahead of the first ingest (a long-running server wants them ready). */
  warmUp(): void {
    this.decodePool?.warm();
    lakeArrowPool().warm();
  }

  /** A consistent copy of the data dir into an empty folder, taken while it is in use (`peakform backup`). */
  backup(target: string): Promise<BackupSummary> {
    return backupDataDir(this.store, target);
  }

  /** A tabular result as a Parquet file's bytes, as they are made (`streamParquet`). */
  streamParquet(result: TabularResult): AsyncGenerator<Uint8Array> {
    return streamParquet(this.store, result);
  }
}

/** The data dir's curve gap policy: the saved one, else the requested one (saved now), else the default. */
async function settleCurveGapPolicy(store: Store, requestedText: string | undefined): Promise<GapPolicy> {
  const requested = requestedText ? parseGapPolicy(requestedText) : undefined;
  const [saved] = await store.select<{ value: string }>(compileGetSetting('curve_gap_policy'));
  if (saved && requested && formatGapPolicy(requested) !== saved.value) {
    throw new PeakformError(
      'ERR_GAP_POLICY_MISMATCH',
      `This data dir stores curves under gap policy ${saved.value}; it cannot switch to ${formatGapPolicy(requested)}. Use a new data dir.`,
    );
  }
  const policy = saved ? parseGapPolicy(saved.value) : (requested ?? DEFAULT_CURVE_GAP_POLICY);
  if (!saved) {
    const insert = compileSetSetting('curve_gap_policy', formatGapPolicy(policy));
    await store.write((tx) => tx.run(insert.sql, insert.params as never));
  }
  return policy;
}
