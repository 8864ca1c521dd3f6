CREATE TABLE queue (id integer PRIMARY KEY, priority integer);
