-- hazard DELETES_DATA: drops column legacy_flag and its data
ALTER TABLE "users" DROP COLUMN "legacy_flag";
-- hazard DELETES_DATA: drops column obsolete and its data
ALTER TABLE "users" DROP COLUMN "obsolete";
