-- warning: PRAGMA foreign_keys: SQLite-only setting, not applied on mysql
-- warning: PRAGMA user_version: SQLite-only setting, not applied on mysql
-- warning: table accounts: key columns get a length on mysql, and longer values are rejected: display_name varchar(255)
-- warning: table devices: key columns get a length on mysql, and longer values are rejected: serial varbinary(255)
-- warning: table readings: key columns get a length on mysql, and longer values are rejected: serial varbinary(255)
-- warning: index readings_pending on readings: mysql has no partial indexes; created on all rows, without WHERE status = 'late' AND note IS NULL
CREATE TABLE IF NOT EXISTS `accounts` (
  `id` bigint AUTO_INCREMENT,
  `email` varchar(320) NOT NULL,
  `display_name` varchar(255),
  `balance` decimal(12,2) NOT NULL DEFAULT 0,
  `score` double DEFAULT -1.5,
  `active` tinyint(1) NOT NULL DEFAULT 1,
  `born` date,
  `created_at` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  `profile` json,
  `avatar` longblob,
  `order` bigint,
  `Mixed_Case` longtext DEFAULT ('it''s'),
  `kind` decimal(65,30),
  PRIMARY KEY (`id`),
  UNIQUE (`email`),
  CHECK (`active` IN (0, 1)),
  CHECK (`balance` >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;
CREATE TABLE IF NOT EXISTS `devices` (
  `account_id` bigint NOT NULL,
  `serial` varbinary(255) NOT NULL,
  `label` longtext NOT NULL DEFAULT (''),
  `seen_at` bigint,
  PRIMARY KEY (`account_id`, `serial`),
  FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;
CREATE TABLE IF NOT EXISTS `readings` (
  `reading_id` bigint AUTO_INCREMENT,
  `account_id` bigint,
  `serial` varbinary(255),
  `taken_at` datetime(6) NOT NULL,
  `value` double NOT NULL,
  `status` longtext NOT NULL,
  `note` longtext,
  PRIMARY KEY (`reading_id`),
  FOREIGN KEY (`account_id`, `serial`) REFERENCES `devices` (`account_id`, `serial`) ON DELETE SET NULL ON UPDATE CASCADE,
  CONSTRAINT `status_known` CHECK (`status` IN ('ok', 'late', 'bad'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;
CREATE UNIQUE INDEX `accounts_name` ON `accounts` (`display_name`);
CREATE INDEX `readings_by_time` ON `readings` (`account_id`, `taken_at` DESC);
CREATE INDEX `readings_pending` ON `readings` (`taken_at`);
