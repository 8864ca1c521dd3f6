ALTER TABLE "events" ADD COLUMN "note" text;
-- hazard TABLE_REWRITE: a volatile default rewrites every row under an exclusive lock
ALTER TABLE "events" ADD COLUMN "score" integer DEFAULT (1 + 2);
ALTER TABLE "events" ADD COLUMN "created_on" date DEFAULT CURRENT_DATE;
