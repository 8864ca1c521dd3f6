ALTER TABLE "books" DROP CONSTRAINT "books_author_id_fkey";
ALTER TABLE "books" ADD CONSTRAINT "books_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "authors" ("id") ON DELETE CASCADE NOT VALID;
-- hazard MAY_FAIL: fails if existing rows reference missing keys; the constraint then stays NOT VALID and the next plan validates it again
ALTER TABLE "books" VALIDATE CONSTRAINT "books_author_id_fkey";
