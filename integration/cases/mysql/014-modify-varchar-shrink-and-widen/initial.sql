CREATE TABLE names (short varchar(100), `long` varchar(50), body text);
INSERT INTO names VALUES ('abc', 'def', 'ghi');
