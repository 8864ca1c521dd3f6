CREATE TABLE `My ``Table`` ünï` (
  `Id` int NOT NULL,
  `order_select` int,
  `from` varchar(30) NOT NULL,
  PRIMARY KEY (`Id`)
);
ALTER TABLE `order` ADD COLUMN `café` varchar(20) DEFAULT 'crème brûlée', ALGORITHM=INSTANT;
ALTER TABLE `order` ADD COLUMN `with space` int, ALGORITHM=INSTANT;
ALTER TABLE `order` ADD COLUMN `has "quotes"` text, ALGORITHM=INSTANT;
-- hazard INDEX_BUILD: builds an index over every row, in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
CREATE INDEX `idx_order_Mixed``Case_café` ON `order` (`Mixed``Case`, `café`) ALGORITHM=INPLACE LOCK=NONE;
CREATE UNIQUE INDEX `idx_My ``Table`` ünï_from` ON `My ``Table`` ünï` (`from`);
ALTER TABLE `My ``Table`` ünï` ADD CONSTRAINT `My ``Table`` ünï_order_select_fkey` FOREIGN KEY (`order_select`) REFERENCES `order` (`select`);
