CREATE TABLE "authors" (
  "id" integer,
  "name" text,
  PRIMARY KEY ("id")
);
CREATE TABLE "posts" (
  "id" integer,
  "author_id" integer NOT NULL,
  "title" text,
  PRIMARY KEY ("id"),
  FOREIGN KEY ("author_id") REFERENCES "authors" ("id") ON DELETE CASCADE
);
CREATE INDEX "idx_posts_author_id" ON "posts" ("author_id");
