-- +goose Up
CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE child (
  id INTEGER PRIMARY KEY,
  parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE
);
INSERT INTO parent (id, name) VALUES (1, 'one'), (2, NULL);
INSERT INTO child (id, parent_id) VALUES (10, 1), (20, 2);

-- +goose Down
DROP TABLE child;
DROP TABLE parent;
