-- +goose Up
-- A comment,
-- and another.

DELETE FROM t
  WHERE name GLOB 'x*';

-- +goose Down
