-- +goose Up
CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);
-- +goose Down
DROP TABLE t;
