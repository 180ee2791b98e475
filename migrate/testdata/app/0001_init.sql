-- +goose Up
PRAGMA foreign_keys = ON;
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL UNIQUE,
  "order" INTEGER NOT NULL DEFAULT 0, -- a reserved word, quoted
  created REAL
) STRICT;
CREATE TABLE tags (name TEXT PRIMARY KEY, uses INTEGER NOT NULL DEFAULT 0);
INSERT INTO tags (name) VALUES ('it''s'), ('back\slash');
INSERT OR IGNORE INTO tags (name) VALUES ('it''s');
INSERT INTO tags (name, uses) VALUES ('go', 1)
  ON CONFLICT (name) DO UPDATE SET uses = tags.uses + excluded.uses;
INSERT INTO tags (name, uses) VALUES ('go', 2)
  ON CONFLICT (name) DO UPDATE SET uses = tags.uses + excluded.uses;
INSERT OR REPLACE INTO tags (name, uses) VALUES ('sql', 5);
INSERT INTO users (email, "order") VALUES ('ann@example.com', 1), ('bob@example.com', 2);

-- +goose Down
DROP TABLE tags;
DROP TABLE users;
