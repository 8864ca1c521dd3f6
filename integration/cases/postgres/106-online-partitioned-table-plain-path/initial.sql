-- a partitioned table: Postgres builds no index on it concurrently and adds no foreign key to
-- it NOT VALID, so those take the plain path (with the blocking hazards); SET NOT NULL still
-- goes through a validated check, which partitioned tables take
CREATE TABLE devices (id integer PRIMARY KEY);
INSERT INTO devices VALUES (1);
CREATE TABLE measurements (id integer NOT NULL, device_id integer, value integer, PRIMARY KEY (id)) PARTITION BY RANGE (id);
CREATE TABLE measurements_low PARTITION OF measurements FOR VALUES FROM (0) TO (1000);
CREATE INDEX idx_measurements_value_old ON measurements (value);
INSERT INTO measurements VALUES (1, 1, 10), (2, NULL, 20);
