-- hazard TABLE_REWRITE: changes id: copies the table, blocking writes
ALTER TABLE `orders` MODIFY COLUMN `id` int NOT NULL;
