-- hazard TABLE_REWRITE: changes id from integer to bigint: rewrites the table under an exclusive lock
ALTER TABLE "counters" ALTER COLUMN "id" TYPE bigint;
-- hazard TABLE_REWRITE: changes hits from integer to bigint: rewrites the table under an exclusive lock
ALTER TABLE "counters" ALTER COLUMN "hits" TYPE bigint;
-- hazard TABLE_REWRITE: changes counter_id from integer to bigint: rewrites the table under an exclusive lock
ALTER TABLE "counter_events" ALTER COLUMN "counter_id" TYPE bigint;
