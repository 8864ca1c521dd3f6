-- hazard DELETES_DATA: drops table public.audit_log and all its rows (9,999 rows)
DROP TABLE "audit_log";
-- hazard DELETES_DATA: drops table public.empty_t and all its rows (0 rows)
DROP TABLE "empty_t";
-- hazard DELETES_DATA: drops column legacy and its data (2 rows)
ALTER TABLE "accounts" DROP COLUMN "legacy";
