-- hazard TABLE_REWRITE: changes state from enum('open','closed') to enum('open','closed','archived'): copies the table, blocking writes
ALTER TABLE `tickets` MODIFY COLUMN `state` enum('open','closed','archived') DEFAULT 'open';
