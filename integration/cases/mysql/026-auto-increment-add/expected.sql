-- hazard TABLE_REWRITE: makes id AUTO_INCREMENT, copying the table (ALGORITHM=COPY); writes block meanwhile
-- hazard MAY_FAIL: fails if the column holds duplicates, or zeros that get renumbered
ALTER TABLE `orders` MODIFY COLUMN `id` int NOT NULL AUTO_INCREMENT;
