ALTER TABLE "users" DROP CONSTRAINT "users_org_id_fkey";
DROP INDEX CONCURRENTLY "idx_users_name_obsolete";
DROP INDEX CONCURRENTLY "idx_users_org_id";
-- hazard DELETES_DATA: drops column legacy_flag and its data (2 rows)
ALTER TABLE "users" DROP COLUMN "legacy_flag";
-- hazard DELETES_DATA: drops column obsolete and its data (2 rows)
ALTER TABLE "users" DROP COLUMN "obsolete";
-- hazard DELETES_DATA: drops column org_id and its data (2 rows)
ALTER TABLE "users" DROP COLUMN "org_id";
