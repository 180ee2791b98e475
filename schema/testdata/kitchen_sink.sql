-- A schema of our own that exercises every construct the translator knows.
PRAGMA foreign_keys = ON;
PRAGMA user_version = 7;

CREATE TABLE IF NOT EXISTS accounts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email VARCHAR(320) NOT NULL UNIQUE,
  display_name TEXT,
  balance NUMERIC(12, 2) NOT NULL DEFAULT 0,
  score REAL DEFAULT -1.5,
  active BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),  -- the SQLite idiom for booleans
  born DATE,
  created_at DATETIME NOT NULL DEFAULT (CURRENT_TIMESTAMP),
  profile JSON,
  avatar BLOB,
  "order" INTEGER,            -- a reserved word as a column name
  Mixed_Case TEXT DEFAULT 'it''s',
  kind STRING,                -- NUMERIC affinity, as SQLite reads it
  CHECK (balance >= 0)
);

CREATE TABLE IF NOT EXISTS devices (
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  serial BLOB NOT NULL,
  label TEXT NOT NULL DEFAULT '',
  seen_at INTEGER,            -- unix seconds: STRICT tables allow only INTEGER, REAL, TEXT, BLOB, ANY
  PRIMARY KEY (account_id, serial)
) STRICT;

CREATE TABLE IF NOT EXISTS readings (
  reading_id INTEGER PRIMARY KEY,
  account_id INTEGER,         -- nullable: the foreign key below sets it NULL
  serial BLOB,
  taken_at DATETIME NOT NULL,
  value REAL NOT NULL,
  status TEXT NOT NULL CONSTRAINT status_known CHECK (status IN ('ok', 'late', 'bad')),
  note TEXT,
  FOREIGN KEY (account_id, serial) REFERENCES devices(account_id, serial) ON DELETE SET NULL ON UPDATE CASCADE
);

CREATE INDEX IF NOT EXISTS readings_by_time ON readings (account_id, taken_at DESC);
CREATE INDEX IF NOT EXISTS readings_pending ON readings (taken_at) WHERE status = 'late' AND note IS NULL; -- partial
CREATE UNIQUE INDEX IF NOT EXISTS accounts_name ON accounts (display_name);
