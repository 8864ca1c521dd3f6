CREATE TYPE "mood" AS ENUM ('sad', 'ok', 'it''s fine');
CREATE TABLE "people" (
  "id" integer NOT NULL,
  "current_mood" mood NOT NULL DEFAULT 'ok',
  "history" mood[],
  PRIMARY KEY ("id")
);
