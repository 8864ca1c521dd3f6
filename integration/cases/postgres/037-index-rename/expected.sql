ALTER INDEX "idx_cities_name" RENAME TO "cities_by_name";
