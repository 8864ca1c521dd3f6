ALTER TABLE `books` DROP INDEX `by_author`;
ALTER TABLE `books` DROP INDEX `old_idx`;
-- hazard INDEX_BUILD: builds an index over every row
CREATE INDEX `by_author` ON `books` (`author`, `year`);
-- hazard INDEX_BUILD: builds an index over every row
CREATE INDEX `idx_books_title` ON `books` (`title`);
