-- +goose Up
-- +goose StatementBegin
ALTER TABLE users ADD COLUMN nickname TEXT;
ALTER TABLE users RENAME COLUMN created TO created_at;
CREATE INDEX users_nick ON users (nickname);
UPDATE users SET nickname = substr(email, 1, 3) WHERE nickname IS NULL;
-- +goose StatementEnd

-- +goose Down
DROP INDEX users_nick;
ALTER TABLE users RENAME COLUMN created_at TO created;
ALTER TABLE users DROP COLUMN nickname;
