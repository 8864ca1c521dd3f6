CREATE TABLE legacy_stuff (id serial PRIMARY KEY, payload jsonb, note varchar(10) DEFAULT 'n/a');
CREATE INDEX legacy_payload_idx ON legacy_stuff USING gin (payload);
INSERT INTO legacy_stuff (payload) VALUES ('{"a": 1}'), (NULL);
CREATE TABLE users (id integer PRIMARY KEY);
