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
  `CREATE TABLE IF NOT EXISTS dailies (
    athlete_id VARCHAR NOT NULL,
    measure VARCHAR NOT NULL,
    date DATE NOT NULL,
    value DOUBLE NOT NULL,
    source VARCHAR NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (athlete_id, measure, date)
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
];
