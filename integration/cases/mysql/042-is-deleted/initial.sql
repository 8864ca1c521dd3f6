CREATE TABLE old_stuff (id int);
INSERT INTO old_stuff VALUES (1);
