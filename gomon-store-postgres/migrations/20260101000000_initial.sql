-- The gomon schema. Applied by sqlx::migrate! when a PostgresStore starts.
--
-- Times are timestamptz (microsecond precision, as the Store contract asks);
-- durations and latencies are bigint microseconds so that nothing rounds.

CREATE TABLE users (
    id            uuid        PRIMARY KEY,
    username      text        NOT NULL UNIQUE,
    password_hash text        NOT NULL,
    created_at    timestamptz NOT NULL
);

-- No foreign key to users: embedding applications own their monitors with
-- UserId::LOCAL (the nil uuid), which is no stored user.
CREATE TABLE monitors (
    id          uuid        PRIMARY KEY,
    owner_id    uuid        NOT NULL,
    -- COLLATE "C": names sort byte by byte, as in every other backend, whatever
    -- the database's locale.
    name        text        COLLATE "C" NOT NULL,
    url         text        NOT NULL,
    threshold   bigint      NOT NULL CHECK (threshold >= 0),
    interval_us bigint      NOT NULL CHECK (interval_us > 0),
    timeout_us  bigint      NOT NULL CHECK (timeout_us > 0),
    window_us   bigint      NOT NULL CHECK (window_us > 0),
    created_at  timestamptz NOT NULL,
    -- Also the index of monitor_by_name, list_monitors (keyset on name) and count_monitors.
    CONSTRAINT monitors_owner_name_key UNIQUE (owner_id, name)
);

-- One row per probe. Exactly one of status and error is set.
--
-- There is deliberately no foreign key to monitors: a foreign key costs a
-- trigger and a row lock per inserted row, the most expensive part of ingest.
-- Instead record_results locks each monitor of a batch once (FOR KEY SHARE) and
-- delete_monitor deletes the monitor first and then its results in the same
-- transaction, so that no result can outlive its monitor.
CREATE TABLE results (
    monitor_id uuid        NOT NULL,
    started_at timestamptz NOT NULL,
    latency_us bigint      NOT NULL,
    status     integer,
    error      text,
    -- The failure rule (gomon_core::ProbeOutcome::is_failure) evaluated once, at ingest.
    failed     boolean     NOT NULL,
    CHECK ((status IS NULL) <> (error IS NULL)),
    -- The key makes ingest idempotent (ON CONFLICT DO NOTHING); INCLUDE makes the
    -- stats query at the window edges an index-only scan.
    CONSTRAINT results_pkey PRIMARY KEY (monitor_id, started_at) INCLUDE (failed, latency_us)
);

-- failures_since and retention both scan by time alone. New rows always land
-- on the right edge of this index, so it costs ingest little.
CREATE INDEX results_started_at ON results (started_at);

-- Per monitor and UTC hour, the counts of the results table, kept in the same
-- statement as the insert of the results they count. Stats read whole hours here.
CREATE TABLE results_hourly (
    monitor_id uuid        NOT NULL,
    hour       timestamptz NOT NULL,
    successes  bigint      NOT NULL,
    failures   bigint      NOT NULL,
    latency_us bigint      NOT NULL,
    CONSTRAINT results_hourly_pkey PRIMARY KEY (monitor_id, hour)
)
-- Every batch updates the current hour's row of each of its monitors: with
-- free room on each page those updates are HOT (no new index entries) and the
-- dead versions are pruned in place. At the default fill factor the table
-- bloated tenfold in the benchmark and every update touched both indexes.
WITH (fillfactor = 30);

-- Rollup retention scans by time alone.
CREATE INDEX results_hourly_hour ON results_hourly (hour);

CREATE TABLE alerts (
    id          uuid        PRIMARY KEY,
    -- Few rows, so the convenience of a cascading foreign key costs nothing here.
    monitor_id  uuid        NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    opened_at   timestamptz NOT NULL,
    resolved_at timestamptz,
    failures    bigint      NOT NULL CHECK (failures >= 0),
    status      integer,
    error       text,
    CHECK ((status IS NULL) <> (error IS NULL))
);

-- list_alerts: newest first by (opened_at, id), per monitor.
CREATE INDEX alerts_monitor_opened ON alerts (monitor_id, opened_at DESC, id DESC);

-- At most one open alert per monitor, enforced by the database so that two
-- processes racing to open one cannot both succeed. Also serves open_alerts.
CREATE UNIQUE INDEX alerts_one_open_per_monitor ON alerts (monitor_id) WHERE resolved_at IS NULL;
