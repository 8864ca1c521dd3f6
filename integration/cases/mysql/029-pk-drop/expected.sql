-- hazard TABLE_REWRITE: InnoDB rebuilds the table around a new clustered index
ALTER TABLE `things` DROP PRIMARY KEY;
