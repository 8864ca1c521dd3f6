CREATE TABLE accounts (id int PRIMARY KEY);
CREATE TABLE profiles (id int PRIMARY KEY, user_id int NOT NULL, CONSTRAINT profiles_user_id_fkey FOREIGN KEY (user_id) REFERENCES accounts (id) ON DELETE CASCADE);
