-- +goose Up
CREATE INDEX users_live_email ON users (email);

-- +goose Down
DROP INDEX users_live_email ON users;
