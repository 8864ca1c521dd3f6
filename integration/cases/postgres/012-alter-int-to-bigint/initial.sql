CREATE TABLE counters (id integer PRIMARY KEY, hits integer NOT NULL DEFAULT 0);
INSERT INTO counters VALUES (1, 2147483647), (2, 0);
CREATE TABLE counter_events (id integer PRIMARY KEY, counter_id integer REFERENCES counters (id));
INSERT INTO counter_events VALUES (1, 1), (2, NULL);
