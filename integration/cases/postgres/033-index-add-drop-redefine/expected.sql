DROP INDEX "idx_articles_author";
DROP INDEX "idx_articles_body";
DROP INDEX "idx_articles_email";
-- hazard INDEX_BUILD: builds an index; writes to the table block meanwhile
CREATE INDEX "idx_articles_slug" ON "articles" ("slug");
-- hazard INDEX_BUILD: builds an index; writes to the table block meanwhile
CREATE INDEX "idx_articles_author_published_at" ON "articles" ("author", "published_at");
-- hazard INDEX_BUILD: builds an index; writes to the table block meanwhile
CREATE INDEX "idx_articles_email" ON "articles" ("email");
-- hazard INDEX_BUILD: builds an index; writes to the table block meanwhile
CREATE INDEX "idx_articles_body" ON "articles" USING gin ("body");
