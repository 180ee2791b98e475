-- +goose Up
-- Rebuild tags with a new column, copying its rows, SQLite's way.
CREATE TABLE tags_new (name TEXT PRIMARY KEY, uses INTEGER NOT NULL DEFAULT 0, note TEXT);
INSERT INTO tags_new (name, uses) SELECT name, uses FROM tags;
DROP TABLE tags;
ALTER TABLE tags_new RENAME TO tags;
CREATE INDEX tags_uses ON tags (uses) WHERE uses > 0;

-- +goose Down
CREATE TABLE tags_old (name TEXT PRIMARY KEY, uses INTEGER NOT NULL DEFAULT 0);
INSERT INTO tags_old (name, uses) SELECT name, uses FROM tags;
DROP INDEX tags_uses;
DROP TABLE tags;
ALTER TABLE tags_old RENAME TO tags;
