-- hazard UPDATES_ROWS: inserts or updates a seed row
INSERT INTO "currencies" ("code", "name", "decimals") VALUES ('USD', 'US Dollar', 2) ON CONFLICT ("code") DO UPDATE SET "name" = excluded."name", "decimals" = excluded."decimals";
-- hazard UPDATES_ROWS: inserts or updates a seed row
INSERT INTO "currencies" ("code", "name", "decimals") VALUES ('JPY', 'Yen', 0) ON CONFLICT ("code") DO UPDATE SET "name" = excluded."name", "decimals" = excluded."decimals";
