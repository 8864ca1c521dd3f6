-- hazard TABLE_REWRITE: drops the clustered index, copying the table (ALGORITHM=COPY); writes block meanwhile
ALTER TABLE `things` DROP PRIMARY KEY;
