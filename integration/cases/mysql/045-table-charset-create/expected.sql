CREATE TABLE `legacy_latin` (
  `name` varchar(20),
  `utf` varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci
) DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci;
