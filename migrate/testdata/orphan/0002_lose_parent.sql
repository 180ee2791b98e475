-- +goose Up
CREATE TABLE parent_new (id INTEGER PRIMARY KEY);
DROP TABLE parent;
ALTER TABLE parent_new RENAME TO parent;
-- +goose Down
