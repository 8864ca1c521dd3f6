ALTER TABLE `books` RENAME INDEX `some_old_name` TO `books_title_idx`, ALGORITHM=INSTANT;
