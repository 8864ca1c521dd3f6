CREATE TABLE "My ""Table""" ("group" INTEGER PRIMARY KEY, "Col One" TEXT, "naïve" TEXT, "drop me" TEXT);
CREATE INDEX "ix on ""Col One""" ON "My ""Table""" ("Col One");
INSERT INTO "My ""Table""" VALUES (1, 'one', 'café', 'x'), (2, NULL, 'ü', 'y');
