/**
 * The catalog's tables (DESIGN.md §3). Samples live in Parquet; the catalog holds what is small
 * and relational. Statements are idempotent so opening an existing data dir is a no-op.
 */
export const CATALOG_SCHEMA = [
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
    summary JSON NOT NULL,
    device JSON,
    device_summary JSON,
    issues JSON NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`,
  'CREATE INDEX IF NOT EXISTS activities_athlete_start ON activities (athlete_id, start_utc)',
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
];
