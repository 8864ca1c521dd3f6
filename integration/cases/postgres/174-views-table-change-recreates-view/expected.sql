-- hazard MAY_FAIL: dropped so that the table change after it is allowed, and created again at the end of this plan; fails if a view not managed here reads it
DROP VIEW "public"."scores";
-- hazard DELETES_DATA: drops column legacy and its data (1 row)
ALTER TABLE "users" DROP COLUMN "legacy";
-- hazard TABLE_REWRITE: changes score from integer to bigint: rewrites the table under an exclusive lock
ALTER TABLE "users" ALTER COLUMN "score" TYPE bigint;
CREATE VIEW "public"."scores" AS
SELECT id, score FROM users;
