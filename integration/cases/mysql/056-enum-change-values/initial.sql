CREATE TABLE tickets (state enum('open','closed') DEFAULT 'open');
INSERT INTO tickets VALUES ('closed');
