-- hazard DELETES_DATA: drops table audit_log and all its rows (3 rows)
DROP TABLE `audit_log`;
-- hazard DELETES_DATA: drops table empty_t and all its rows (0 rows)
DROP TABLE `empty_t`;
-- hazard DELETES_DATA: drops column legacy and its data (2 rows), instantly (ALGORITHM=INSTANT: metadata only)
ALTER TABLE `accounts` DROP COLUMN `legacy`, ALGORITHM=INSTANT;
