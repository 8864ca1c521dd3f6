CREATE TRIGGER "users_count" AFTER insert ON "users" FOR EACH ROW BEGIN UPDATE counters SET n = n + 1 WHERE name = 'users'; END;
