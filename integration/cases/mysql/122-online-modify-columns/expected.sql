ALTER TABLE `t` MODIFY COLUMN `short_v` varchar(100), ALGORITHM=INSTANT;
-- hazard TABLE_REWRITE: changes mid_v from varchar(50) to varchar(500), copying the table (ALGORITHM=COPY); writes block meanwhile
ALTER TABLE `t` MODIFY COLUMN `mid_v` varchar(500);
-- hazard TABLE_REWRITE: changes shrink_v from varchar(40) to varchar(20), copying the table (ALGORITHM=COPY); writes block meanwhile
-- hazard MAY_FAIL: fails (strict mode) if an existing value does not convert
ALTER TABLE `t` MODIFY COLUMN `shrink_v` varchar(20);
-- hazard TABLE_REWRITE: changes n from int to bigint, copying the table (ALGORITHM=COPY); writes block meanwhile
ALTER TABLE `t` MODIFY COLUMN `n` bigint;
ALTER TABLE `t` ALTER COLUMN `priority` SET DEFAULT 5, ALGORITHM=INSTANT;
ALTER TABLE `t` ALTER COLUMN `label` DROP DEFAULT, ALGORITHM=INSTANT;
-- hazard TABLE_REWRITE: makes opt nullable, rebuilding the table in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
ALTER TABLE `t` MODIFY COLUMN `opt` int, ALGORITHM=INPLACE, LOCK=NONE;
-- hazard UPDATES_ROWS: fills NULLs in req with the default
UPDATE `t` SET `req` = 'none' WHERE `req` IS NULL;
-- hazard TABLE_REWRITE: makes req NOT NULL, rebuilding the table in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
-- hazard MAY_FAIL: fails if a write stores NULL in req while the table is rebuilt
ALTER TABLE `t` MODIFY COLUMN `req` varchar(10) NOT NULL DEFAULT 'none', ALGORITHM=INPLACE, LOCK=NONE;
-- hazard TABLE_REWRITE: changes grow_req from varchar(20) to varchar(30), rebuilding the table in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
-- hazard MAY_FAIL: fails if grow_req holds NULLs, or if a write stores one while the table is rebuilt
ALTER TABLE `t` MODIFY COLUMN `grow_req` varchar(30) NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE `t` MODIFY COLUMN `kind` enum('a','b','c'), ALGORITHM=INSTANT;
-- hazard TABLE_REWRITE: changes flags from set('1','2','3','4','5','6','7','8') to set('1','2','3','4','5','6','7','8','9'), copying the table (ALGORITHM=COPY); writes block meanwhile
ALTER TABLE `t` MODIFY COLUMN `flags` set('1','2','3','4','5','6','7','8','9');
-- hazard MAY_FAIL: fails if a unique index on it holds values the new collation treats as equal
ALTER TABLE `t` MODIFY COLUMN `handle` varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE `t` MODIFY COLUMN `old_utf8` varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci, ALGORITHM=INSTANT;
