CREATE TABLE "event_tags" (
  "id" integer NOT NULL,
  "tag" text,
  PRIMARY KEY ("id")
);
DROP INDEX CONCURRENTLY "idx_events_at";
-- hazard INDEX_BUILD: builds the index concurrently: writes continue, takes longer (two scans of the table); a failed build leaves an INVALID index that the next plan drops and builds again
CREATE INDEX CONCURRENTLY "idx_events_kind_at" ON "events" ("kind", "at");
-- hazard INDEX_BUILD: builds the index concurrently: writes continue, takes longer (two scans of the table); a failed build leaves an INVALID index that the next plan drops and builds again
-- hazard MAY_FAIL: fails if existing rows hold duplicates
CREATE UNIQUE INDEX CONCURRENTLY "idx_events_code" ON "events" ("code");
CREATE INDEX "idx_event_tags_tag" ON "event_tags" ("tag");
