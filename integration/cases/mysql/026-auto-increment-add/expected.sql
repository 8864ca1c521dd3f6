-- hazard TABLE_REWRITE: changes id: copies the table, blocking writes
-- hazard MAY_FAIL: fails if the column holds duplicates, or zeros that get renumbered
ALTER TABLE `orders` MODIFY COLUMN `id` int NOT NULL AUTO_INCREMENT;
