-- hazard INDEX_BUILD: builds an index; writes to the table block meanwhile
CREATE INDEX "idx_queue_priority" ON "queue" ("priority") WITH (fillfactor = 70);
