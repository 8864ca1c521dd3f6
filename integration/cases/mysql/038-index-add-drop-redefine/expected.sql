ALTER TABLE `books` DROP INDEX `by_author`, ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE `books` DROP INDEX `old_idx`, ALGORITHM=INPLACE, LOCK=NONE;
-- hazard INDEX_BUILD: builds an index over every row, in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
CREATE INDEX `by_author` ON `books` (`author`, `year`) ALGORITHM=INPLACE LOCK=NONE;
-- hazard INDEX_BUILD: builds an index over every row, in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
CREATE INDEX `idx_books_title` ON `books` (`title`) ALGORITHM=INPLACE LOCK=NONE;
