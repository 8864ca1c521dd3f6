ALTER TABLE "books" DROP CONSTRAINT "books_author_id_fkey";
-- hazard LONG_LOCK: validates every existing row while holding a lock
-- hazard MAY_FAIL: fails if existing rows reference missing keys
ALTER TABLE "books" ADD CONSTRAINT "books_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "authors" ("id") ON DELETE CASCADE;
