CREATE TABLE posts (state varchar(20) DEFAULT 'draft', priority int DEFAULT 1);
