-- +goose Up
CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);
INSERT INTO a (id, v) VALUES (1, 'one');
-- +goose Down
DROP TABLE a;
