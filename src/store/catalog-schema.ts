/**
 * The catalog's tables (DESIGN.md §3). Samples live in Parquet; the catalog holds what is small
 * and relational. Statements are idempotent so opening an existing data dir is a no-op.
 */
export const CATALOG_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS settings (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS athletes (
    id VARCHAR PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS tokens (
    id VARCHAR PRIMARY KEY,
    athlete_id VARCHAR NOT NULL,
    token_sha256 VARCHAR NOT NULL UNIQUE,
    name VARCHAR,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at TIMESTAMPTZ
  )`,
  // Personal API keys as JWTs (issue 7). Added by ALTER so existing data dirs migrate; a row whose
  // jti is NULL is a legacy `pf_` key (sha256 only, no expiry, the default scopes). token_sha256
  // stays NOT NULL: a JWT row holds the hash of the JWT. Lookups need no new index: a JWT's jti is
  // its row id (the primary key), a legacy key is found through token_sha256's unique index.
  'ALTER TABLE tokens ADD COLUMN IF NOT EXISTS jti VARCHAR',
  'ALTER TABLE tokens ADD COLUMN IF NOT EXISTS scopes VARCHAR[]',
  'ALTER TABLE tokens ADD COLUMN IF NOT EXISTS expires_at TIMESTAMPTZ',
  'ALTER TABLE tokens ADD COLUMN IF NOT EXISTS signing_kid VARCHAR',
  'ALTER TABLE tokens ADD COLUMN IF NOT EXISTS last_used_at TIMESTAMPTZ',
  // Application tokens minted for an app's development (`token create --app`) carry its client id;
  // delegated tokens carry the principal who acts for the athlete (issue 8).
  'ALTER TABLE tokens ADD COLUMN IF NOT EXISTS client_id VARCHAR',
  'ALTER TABLE tokens ADD COLUMN IF NOT EXISTS principal_id VARCHAR',
  // Identity (issue 8). A user is an athlete who can sign in (email and password) or a managed
  // athlete without a login, created and deleted by the coach in managed_by.
  `CREATE TABLE IF NOT EXISTS users (
    id VARCHAR PRIMARY KEY,
    email VARCHAR UNIQUE,
    password_hash VARCHAR,
    first_name VARCHAR,
    last_name VARCHAR,
    is_managed BOOLEAN NOT NULL DEFAULT false,
    managed_by VARCHAR,
    admin BOOLEAN NOT NULL DEFAULT false,
    registered_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`,
  // An application's id is its OAuth client id (WIRE.md §3.13).
  `CREATE TABLE IF NOT EXISTS applications (
    id VARCHAR PRIMARY KEY,
    owner_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    description VARCHAR,
    url VARCHAR,
    image VARCHAR,
    privacy_statement VARCHAR,
    redirect_uris VARCHAR[] NOT NULL,
    capabilities VARCHAR[],
    is_confidential BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`,
  // Client secrets are 256 random bits, so a sha256 is enough to keep them unreadable.
  `CREATE TABLE IF NOT EXISTS application_secrets (
    id VARCHAR PRIMARY KEY,
    application_id VARCHAR NOT NULL,
    label VARCHAR,
    secret_sha256 VARCHAR NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ
  )`,
  // oidc-provider's models (grants, refresh tokens, codes, sessions, interactions) as JSON, with
  // the columns its adapter looks them up by. secret_id ties a token to the client secret it was
  // issued under, so that deleting the secret ends it.
  `CREATE TABLE IF NOT EXISTS oauth_models (
    model VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    payload JSON NOT NULL,
    grant_id VARCHAR,
    uid VARCHAR,
    account_id VARCHAR,
    client_id VARCHAR,
    secret_id VARCHAR,
    expires_at TIMESTAMPTZ,
    consumed_at TIMESTAMPTZ,
    PRIMARY KEY (model, id)
  )`,
  `CREATE TABLE IF NOT EXISTS teams (
    id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    url VARCHAR,
    image VARCHAR,
    privacy_statement VARCHAR,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS team_members (
    team_id VARCHAR NOT NULL,
    user_id VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    joined_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, user_id)
  )`,
  // An athlete's grant to a team: its members may act for the athlete with these scopes.
  `CREATE TABLE IF NOT EXISTS team_authorizations (
    team_id VARCHAR NOT NULL,
    user_id VARCHAR NOT NULL,
    scopes VARCHAR[] NOT NULL,
    authorized_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, user_id)
  )`,
  `CREATE TABLE IF NOT EXISTS sources (
    id VARCHAR PRIMARY KEY,
    athlete_id VARCHAR NOT NULL,
    content_sha256 VARCHAR NOT NULL,
    file_name VARCHAR,
    format VARCHAR,
    size_bytes BIGINT NOT NULL,
    status VARCHAR NOT NULL,
    error_code VARCHAR,
    error_message VARCHAR,
    issues JSON,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (athlete_id, content_sha256)
  )`,
  `CREATE TABLE IF NOT EXISTS activities (
    id VARCHAR PRIMARY KEY,
    athlete_id VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL,
    session_index INTEGER NOT NULL,
    sport VARCHAR NOT NULL,
    start_utc TIMESTAMPTZ NOT NULL,
    end_utc TIMESTAMPTZ NOT NULL,
    start_local TIMESTAMP NOT NULL,
    end_local TIMESTAMP NOT NULL,
    local_date DATE NOT NULL,
    utc_offset_s INTEGER,
    elapsed_s DOUBLE NOT NULL,
    timer_s DOUBLE,
    distance_m DOUBLE,
    sample_count INTEGER NOT NULL,
    metrics VARCHAR[] NOT NULL,
    extra_fields VARCHAR[] NOT NULL,
    tags VARCHAR[] NOT NULL,
    samples_path VARCHAR NOT NULL,
    extras_path VARCHAR,
    curves_path VARCHAR,
    gap_policy VARCHAR NOT NULL,
    moving_s DOUBLE,
    work_kj DOUBLE,
    tss DOUBLE,
    summary JSON NOT NULL,
    device JSON,
    device_summary JSON,
    issues JSON NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`,
  'CREATE INDEX IF NOT EXISTS activities_athlete_start ON activities (athlete_id, start_utc)',
  // An upload looks its source's activities up by source id (before and after the write): with
  // this index ≈ 2 ms at a million activities instead of a scan; +0.9 ms per insert, +31 MiB.
  'CREATE INDEX IF NOT EXISTS activities_source ON activities (source_id)',
  `CREATE TABLE IF NOT EXISTS dailies (
    athlete_id VARCHAR NOT NULL,
    measure VARCHAR NOT NULL,
    date DATE NOT NULL,
    value DOUBLE NOT NULL,
    source VARCHAR NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (athlete_id, measure, date)
  )`,
  // A threshold change's background re-derivation still to do (from this local date on), so a
  // restart resumes it instead of leaving activities derived under the old thresholds.
  `CREATE TABLE IF NOT EXISTS pending_recomputes (
    athlete_id VARCHAR PRIMARY KEY,
    from_date DATE NOT NULL,
    requested_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`,
  // A deleted activity leaves a tombstone, so that a recompute of its source does not bring it
  // back; uploading the same file again clears the source's tombstones (a restore).
  `CREATE TABLE IF NOT EXISTS deleted_activities (
    activity_id VARCHAR PRIMARY KEY,
    source_id VARCHAR NOT NULL,
    athlete_id VARCHAR NOT NULL,
    deleted_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS laps (
    activity_id VARCHAR NOT NULL,
    lap_index INTEGER NOT NULL,
    start_utc TIMESTAMPTZ NOT NULL,
    end_utc TIMESTAMPTZ NOT NULL,
    elapsed_s DOUBLE NOT NULL,
    timer_s DOUBLE,
    distance_m DOUBLE,
    avg_power_w DOUBLE,
    avg_heart_rate_bpm DOUBLE,
    trigger VARCHAR,
    PRIMARY KEY (activity_id, lap_index)
  )`,
  `CREATE TABLE IF NOT EXISTS activity_metrics (
    activity_id VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    reading_count BIGINT NOT NULL,
    reading_sum DOUBLE NOT NULL,
    min_value DOUBLE NOT NULL,
    max_value DOUBLE NOT NULL,
    PRIMARY KEY (activity_id, metric)
  )`,
  `CREATE TABLE IF NOT EXISTS activity_zones (
    activity_id VARCHAR NOT NULL,
    system VARCHAR NOT NULL,
    zone VARCHAR NOT NULL,
    seconds DOUBLE NOT NULL
  )`,
  // The longitudinal index: each activity's curves at the query-grid durations only (the full
  // every-duration curves live in lake/curves). Denormalized so a range query needs no join.
  `CREATE TABLE IF NOT EXISTS curve_points (
    athlete_id VARCHAR NOT NULL,
    activity_id VARCHAR NOT NULL,
    sport VARCHAR NOT NULL,
    local_date DATE NOT NULL,
    activity_start_s DOUBLE NOT NULL,
    metric VARCHAR NOT NULL,
    after_kj SMALLINT NOT NULL,
    duration_s INTEGER NOT NULL,
    value DOUBLE NOT NULL,
    start_offset_s INTEGER NOT NULL,
    envelope_value DOUBLE NOT NULL,
    envelope_duration_s INTEGER NOT NULL,
    envelope_start_offset_s INTEGER NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS thresholds (
    athlete_id VARCHAR NOT NULL,
    sport VARCHAR NOT NULL,
    effective_from DATE NOT NULL,
    ftp_w DOUBLE,
    cp_w DOUBLE,
    w_prime_j DOUBLE,
    lthr_bpm DOUBLE,
    max_hr_bpm DOUBLE,
    rest_hr_bpm DOUBLE,
    weight_kg DOUBLE,
    PRIMARY KEY (athlete_id, sport, effective_from)
  )`,
  // Declared (or external) metabolic-profile markers: one value per athlete, sport, marker, metric
  // and date; pinned ones win over tests and models from their date on (issue 9).
  `CREATE TABLE IF NOT EXISTS profile_markers (
    id VARCHAR PRIMARY KEY,
    athlete_id VARCHAR NOT NULL,
    sport VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    effective_from DATE NOT NULL,
    value DOUBLE NOT NULL,
    provenance VARCHAR NOT NULL,
    pinned BOOLEAN NOT NULL,
    note VARCHAR,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (athlete_id, sport, name, metric, effective_from)
  )`,
  // Delegations (issue 8): each delegated-token or principal-token call. Its refresh token (a
  // random `pfd_` string) is kept as a sha256; `athlete_id` is the user the tokens act as, the
  // `source_*` columns the credential the principal called with (its revocation ends the pair).
  `CREATE TABLE IF NOT EXISTS delegations (
    id VARCHAR PRIMARY KEY,
    principal_id VARCHAR NOT NULL,
    athlete_id VARCHAR NOT NULL,
    team_id VARCHAR,
    scopes VARCHAR[] NOT NULL,
    principal_scopes VARCHAR[] NOT NULL,
    audience VARCHAR,
    source_key_id VARCHAR,
    source_grant_id VARCHAR,
    source_secret_id VARCHAR,
    refresh_sha256 VARCHAR NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at TIMESTAMPTZ
  )`,
  // One-time Portal links (WIRE.md §3.12): the sha256 of the random token, single use, short-lived.
  `CREATE TABLE IF NOT EXISTS portal_links (
    token_sha256 VARCHAR PRIMARY KEY,
    athlete_id VARCHAR NOT NULL,
    client_id VARCHAR NOT NULL,
    destination VARCHAR NOT NULL,
    return_url VARCHAR,
    expires_at TIMESTAMPTZ NOT NULL
  )`,
  // Webhooks (issue 10). An app's signing secrets: the current one (expires_at NULL) and, after a
  // rotation, the previous one until the end of its overlap. Kept as they are: they sign.
  `CREATE TABLE IF NOT EXISTS webhook_secrets (
    id VARCHAR PRIMARY KEY,
    application_id VARCHAR NOT NULL,
    secret VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ
  )`,
  `CREATE TABLE IF NOT EXISTS webhook_endpoints (
    id VARCHAR PRIMARY KEY,
    application_id VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    scheme VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    failing_since TIMESTAMPTZ,
    disabled_at TIMESTAMPTZ,
    disabled_reason VARCHAR
  )`,
  // The outbox and the events feed: one row per event and application it is addressed to, written
  // in the transaction of the change that causes it; seq orders the feed (commit order, since the
  // catalog has one writer).
  'CREATE SEQUENCE IF NOT EXISTS webhook_event_seq START 1',
  `CREATE TABLE IF NOT EXISTS webhook_events (
    seq BIGINT PRIMARY KEY,
    id VARCHAR NOT NULL UNIQUE,
    application_id VARCHAR NOT NULL,
    athlete_id VARCHAR NOT NULL,
    event_type VARCHAR NOT NULL,
    resource_id VARCHAR,
    occurred_at TIMESTAMPTZ NOT NULL
  )`,
  // One delivery per event and endpoint (a replay adds another delivery of the same event).
  `CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id VARCHAR PRIMARY KEY,
    event_id VARCHAR NOT NULL,
    endpoint_id VARCHAR NOT NULL,
    application_id VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    delivered_at TIMESTAMPTZ,
    last_status_code INTEGER,
    last_latency_ms DOUBLE,
    last_error VARCHAR
  )`,
  `CREATE TABLE IF NOT EXISTS webhook_attempts (
    delivery_id VARCHAR NOT NULL,
    attempt INTEGER NOT NULL,
    attempted_at TIMESTAMPTZ NOT NULL,
    status_code INTEGER,
    latency_ms DOUBLE NOT NULL,
    error VARCHAR
  )`,
  // Tests and traces (issue 9, WIRE.md §2.2–§2.3). Instants are UTC; `*_offset_s` is the offset the
  // client wrote them in (for the `*_local` twins); `created_by` is the client id of the app whose
  // token created the test (only that app may change it). A trace's `test_id` is its explicit link.
  `CREATE TABLE IF NOT EXISTS tests (
    id VARCHAR PRIMARY KEY,
    athlete_id VARCHAR NOT NULL,
    sport VARCHAR NOT NULL,
    start_utc TIMESTAMPTZ NOT NULL,
    start_offset_s INTEGER NOT NULL,
    end_utc TIMESTAMPTZ NOT NULL,
    end_offset_s INTEGER NOT NULL,
    local_date DATE NOT NULL,
    title VARCHAR,
    results JSON,
    tags VARCHAR[],
    created_by VARCHAR,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`,
  'CREATE INDEX IF NOT EXISTS tests_athlete_start ON tests (athlete_id, start_utc)',
  `CREATE TABLE IF NOT EXISTS traces (
    id VARCHAR PRIMARY KEY,
    athlete_id VARCHAR NOT NULL,
    timestamp_utc TIMESTAMPTZ NOT NULL,
    utc_offset_s INTEGER NOT NULL,
    local_date DATE NOT NULL,
    test_id VARCHAR,
    lactate DOUBLE,
    rpe INTEGER,
    notes VARCHAR,
    power INTEGER,
    speed DOUBLE,
    heart_rate INTEGER,
    vo2 DOUBLE,
    sport VARCHAR,
    tags VARCHAR[],
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`,
  'CREATE INDEX IF NOT EXISTS traces_athlete_timestamp ON traces (athlete_id, timestamp_utc)',
  // App metadata (WIRE.md §3.4, §7.8): one JSON object per application, athlete and record
  // (`record_kind` activity|test|trace|profile; `record_id` '' for the profile), kept as the
  // compact text the app sent, shown only to that app.
  `CREATE TABLE IF NOT EXISTS app_metadata (
    athlete_id VARCHAR NOT NULL,
    client_id VARCHAR NOT NULL,
    record_kind VARCHAR NOT NULL,
    record_id VARCHAR NOT NULL,
    metadata VARCHAR NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (athlete_id, client_id, record_kind, record_id)
  )`,
  // Pages (issue 13, WIRE.md §3.13): one static site per application, served at /pages/<slug>/.
  // Each deploy is a directory pages/<slug>/<version>/ of the data dir; the row names the version
  // served and the one kept for rollback, and switches them in one transaction. next_version only
  // grows, so a version's directory is never reused.
  `CREATE TABLE IF NOT EXISTS pages (
    slug VARCHAR PRIMARY KEY,
    application_id VARCHAR NOT NULL UNIQUE,
    current_version INTEGER,
    previous_version INTEGER,
    next_version INTEGER NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS page_versions (
    slug VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    size_bytes BIGINT NOT NULL,
    files VARCHAR[] NOT NULL,
    deployed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (slug, version)
  )`,
  // Import jobs (issue 11): files staged under uploads/imports/<id>/ and ingested in the
  // background. The counters and `files` (JSON: each file's name, size, state and result) are
  // rewritten after each committed batch, so a restarted server resumes from the first file
  // without a result. Times are epoch seconds; active_s is the time spent running.
  `CREATE TABLE IF NOT EXISTS import_jobs (
    id VARCHAR PRIMARY KEY,
    athlete_id VARCHAR NOT NULL,
    state VARCHAR NOT NULL,
    cancel_requested BOOLEAN NOT NULL DEFAULT false,
    tags VARCHAR NOT NULL,
    files VARCHAR NOT NULL,
    samples BIGINT NOT NULL DEFAULT 0,
    activities INTEGER NOT NULL DEFAULT 0,
    active_s DOUBLE NOT NULL DEFAULT 0,
    error_code VARCHAR,
    error_message VARCHAR,
    created_s DOUBLE NOT NULL,
    started_s DOUBLE,
    finished_s DOUBLE
  )`,
];

/**
 * Adds the athlete `$1` unless it has a row. Not `ON CONFLICT DO NOTHING`, which costs about 4 ms
 * more CPU per new athlete in a write transaction (every upload to a new athlete pays it); writes
 * are serial (one write connection), so the check cannot race.
 */
export const ENSURE_ATHLETE_SQL =
  'INSERT INTO athletes (id) SELECT $1 WHERE NOT EXISTS (SELECT 1 FROM athletes WHERE id = $1)';
