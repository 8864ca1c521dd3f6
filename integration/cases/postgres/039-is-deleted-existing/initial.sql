CREATE TABLE old_sessions (id integer PRIMARY KEY, token text);
INSERT INTO old_sessions VALUES (1, 'abc');
-- keepers references old_sessions; its spec drops that foreign key, which must happen before the DROP TABLE
CREATE TABLE keepers (id integer PRIMARY KEY, session_id integer REFERENCES old_sessions (id));
INSERT INTO keepers VALUES (1, 1), (2, NULL);
