CREATE TABLE "notes" (
  "id" integer NOT NULL,
  "body" text,
  "author" text,
  PRIMARY KEY ("id")
);
COMMENT ON TABLE "notes" IS 'Notes users write; it''s "free text" \ anything';
COMMENT ON COLUMN "notes"."id" IS 'the note''s id';
