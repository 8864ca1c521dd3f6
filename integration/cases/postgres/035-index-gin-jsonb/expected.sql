CREATE TABLE "documents" (
  "id" integer NOT NULL,
  "body" jsonb NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY ("id")
);
CREATE INDEX "idx_documents_body" ON "documents" USING gin ("body");
