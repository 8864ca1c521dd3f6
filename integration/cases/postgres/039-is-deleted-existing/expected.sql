ALTER TABLE "keepers" DROP CONSTRAINT "keepers_session_id_fkey";
-- hazard DELETES_DATA: drops table public.old_sessions and all its rows (1 row)
DROP TABLE "old_sessions";
