ALTER TABLE "events" ADD COLUMN "note" text;
-- hazard TABLE_REWRITE: a volatile default rewrites every row under an exclusive lock
ALTER TABLE "events" ADD COLUMN "score" integer DEFAULT (1 + 2);
-- hazard TABLE_REWRITE: a volatile default rewrites every row under an exclusive lock
ALTER TABLE "events" ADD COLUMN "label" text DEFAULT upper('tbd');
-- hazard TABLE_REWRITE: a volatile default rewrites every row under an exclusive lock
ALTER TABLE "events" ADD COLUMN "due_on" date DEFAULT ('2024-01-31'::date + 1);
