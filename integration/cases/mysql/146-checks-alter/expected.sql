ALTER TABLE `orders` DROP CONSTRAINT `code_upper`;
ALTER TABLE `orders` DROP CONSTRAINT `total_small`;
-- hazard TABLE_REWRITE: checks every row against total_small: copies the table, blocking writes
-- hazard MAY_FAIL: fails if existing rows violate check total_small
ALTER TABLE `orders` ADD CONSTRAINT `total_small` CHECK (total < 1000);
-- hazard TABLE_REWRITE: checks every row against code_short: copies the table, blocking writes
-- hazard MAY_FAIL: fails if existing rows violate check code_short
ALTER TABLE `orders` ADD CONSTRAINT `code_short` CHECK (char_length(code) <= 3);
