ALTER TABLE `users` ADD COLUMN `nickname` varchar(32) DEFAULT 'anon', ALGORITHM=INSTANT;
CREATE OR REPLACE VIEW `ids` AS
SELECT id, nickname FROM users;
