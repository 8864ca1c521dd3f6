DROP INDEX CONCURRENTLY "idx_articles_author";
DROP INDEX CONCURRENTLY "idx_articles_body";
DROP INDEX CONCURRENTLY "idx_articles_email";
-- hazard INDEX_BUILD: builds the index concurrently: writes continue, takes longer (two scans of the table); a failed build leaves an INVALID index that the next plan drops and builds again
CREATE INDEX CONCURRENTLY "idx_articles_slug" ON "articles" ("slug");
-- hazard INDEX_BUILD: builds the index concurrently: writes continue, takes longer (two scans of the table); a failed build leaves an INVALID index that the next plan drops and builds again
CREATE INDEX CONCURRENTLY "idx_articles_author_published_at" ON "articles" ("author", "published_at");
-- hazard INDEX_BUILD: builds the index concurrently: writes continue, takes longer (two scans of the table); a failed build leaves an INVALID index that the next plan drops and builds again
CREATE INDEX CONCURRENTLY "idx_articles_email" ON "articles" ("email");
-- hazard INDEX_BUILD: builds the index concurrently: writes continue, takes longer (two scans of the table); a failed build leaves an INVALID index that the next plan drops and builds again
CREATE INDEX CONCURRENTLY "idx_articles_body" ON "articles" USING gin ("body");
