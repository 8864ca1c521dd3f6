CREATE TABLE words (w varchar(20), n int) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
INSERT INTO words VALUES ('a', 1);
