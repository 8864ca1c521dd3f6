ALTER TABLE "stock" RENAME COLUMN "qty" TO "quantity";
