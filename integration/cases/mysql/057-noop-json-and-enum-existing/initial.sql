CREATE TABLE cfg (data json NOT NULL, kind enum('a','b') DEFAULT 'b');
