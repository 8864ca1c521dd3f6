ALTER TABLE `items` ADD COLUMN `added` varchar(20);
