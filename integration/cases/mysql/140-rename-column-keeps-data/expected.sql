ALTER TABLE `users` RENAME COLUMN `mail` TO `email`;
ALTER TABLE `users` RENAME COLUMN `org` TO `organization`;
-- hazard TABLE_REWRITE: changes email from varchar(100) to varchar(255): copies the table, blocking writes
ALTER TABLE `users` MODIFY COLUMN `email` varchar(255) NOT NULL;
ALTER TABLE `users` ALTER COLUMN `organization` SET DEFAULT 0;
