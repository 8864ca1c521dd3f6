CREATE TABLE rows_t (id int, updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP, touched datetime(3));
