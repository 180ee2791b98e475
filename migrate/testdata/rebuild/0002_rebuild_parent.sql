-- +goose Up
-- SQLite cannot add NOT NULL to a column: rebuild the table, rows and all.
CREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '', rank INTEGER);
INSERT INTO parent_new (id, name) SELECT id, coalesce(name, '') FROM parent;
DROP TABLE parent;
ALTER TABLE parent_new RENAME TO parent;

-- +goose Down
CREATE TABLE parent_old (id INTEGER PRIMARY KEY, name TEXT);
INSERT INTO parent_old (id, name) SELECT id, name FROM parent;
DROP TABLE parent;
ALTER TABLE parent_old RENAME TO parent;
