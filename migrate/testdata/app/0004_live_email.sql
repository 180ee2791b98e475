-- +goose Up
-- MySQL has no partial indexes: 0004_live_email.mysql.sql replaces this file there.
CREATE UNIQUE INDEX users_live_email ON users (email) WHERE "order" >= 0;

-- +goose Down
DROP INDEX users_live_email;
