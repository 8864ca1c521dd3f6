CREATE TABLE "people" (
  "id" integer NOT NULL,
  "current_mood" mood NOT NULL DEFAULT 'ok'::mood,
  "past_moods" mood[],
  PRIMARY KEY ("id")
);
