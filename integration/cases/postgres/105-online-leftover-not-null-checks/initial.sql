-- plans stopped half way through SET NOT NULL: on a (check added, not validated), on b (check
-- validated, SET NOT NULL not done). The spec still wants a and b NOT NULL: the next plan
-- continues from the step reached. c's check is left over from a spec since changed back
-- to nullable: it is dropped, or new NULLs would keep being refused
CREATE TABLE readings (id integer PRIMARY KEY, a integer, b integer, c integer);
INSERT INTO readings VALUES (1, 1, 1, NULL), (2, 2, 2, 3);
ALTER TABLE readings ADD CONSTRAINT schemahero_not_null_a CHECK (a IS NOT NULL) NOT VALID;
ALTER TABLE readings ADD CONSTRAINT schemahero_not_null_b CHECK (b IS NOT NULL) NOT VALID;
ALTER TABLE readings VALIDATE CONSTRAINT schemahero_not_null_b;
ALTER TABLE readings ADD CONSTRAINT schemahero_not_null_c CHECK (c IS NOT NULL) NOT VALID;
