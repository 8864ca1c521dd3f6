CREATE TABLE "posts" (
  "id" integer NOT NULL,
  "title" text,
  PRIMARY KEY ("id")
);
CREATE TABLE "comments" (
  "id" integer NOT NULL,
  "post_id" integer NOT NULL,
  "body" text,
  PRIMARY KEY ("id")
);
ALTER TABLE "comments" ADD CONSTRAINT "comments_post_id_fkey" FOREIGN KEY ("post_id") REFERENCES "posts" ("id") ON DELETE CASCADE;
