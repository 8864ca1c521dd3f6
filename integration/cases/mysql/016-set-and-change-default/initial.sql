CREATE TABLE posts (state varchar(20), priority int DEFAULT 1);
