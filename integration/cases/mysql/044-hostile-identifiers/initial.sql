CREATE TABLE `order` (`select` int PRIMARY KEY, `Mixed``Case` varchar(20));
INSERT INTO `order` VALUES (1, 'one');
