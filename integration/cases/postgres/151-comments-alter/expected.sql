ALTER TABLE "notes" ADD COLUMN "created" date;
COMMENT ON TABLE "notes" IS 'new table comment';
COMMENT ON COLUMN "notes"."body" IS 'the body''s text';
COMMENT ON COLUMN "notes"."tags" IS NULL;
COMMENT ON COLUMN "notes"."created" IS 'when';
