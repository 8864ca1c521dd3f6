ALTER TABLE "events" ADD COLUMN "note" text;
ALTER TABLE "events" ADD COLUMN "score" integer DEFAULT (1 + 2);
ALTER TABLE "events" ADD COLUMN "label" text DEFAULT upper('tbd');
ALTER TABLE "events" ADD COLUMN "due_on" date DEFAULT ('2024-01-31'::date + 1);
