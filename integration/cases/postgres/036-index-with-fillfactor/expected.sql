-- hazard INDEX_BUILD: builds the index concurrently: writes continue, takes longer (two scans of the table); a failed build leaves an INVALID index that the next plan drops and builds again
CREATE INDEX CONCURRENTLY "idx_queue_priority" ON "queue" ("priority") WITH (fillfactor = 70);
