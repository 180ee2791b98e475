-- +goose Up
-- +polysql only sqlite
CREATE VIEW user_emails AS SELECT email FROM users;
-- +polysql end
-- +polysql only postgres, mysql
CREATE VIEW user_emails AS SELECT email FROM users WHERE email IS NOT NULL;
-- +polysql end

-- +goose Down
-- +polysql only sqlite
DROP VIEW user_emails;
-- +polysql end
-- +polysql only postgres,mysql
DROP VIEW IF EXISTS user_emails;
-- +polysql end
