CREATE TABLE t (
  id int PRIMARY KEY,
  short_v varchar(31),
  mid_v varchar(50),
  shrink_v varchar(40),
  n int,
  priority int DEFAULT 1,
  label varchar(10) DEFAULT 'x',
  opt int NOT NULL,
  req varchar(10),
  grow_req varchar(20),
  kind enum('a','b'),
  flags set('1','2','3','4','5','6','7','8'),
  handle varchar(20) COLLATE utf8mb4_general_ci,
  old_utf8 varchar(20) CHARACTER SET utf8mb3,
  UNIQUE KEY handle_uq (handle)
);
INSERT INTO t (id, short_v, mid_v, shrink_v, n, opt, req, grow_req, kind, flags, handle, old_utf8)
VALUES (1, 'a', 'b', 'c', 1, 1, 'r', 'g', 'a', '1', 'h1', 'u'), (2, NULL, NULL, NULL, NULL, 2, NULL, 'g2', NULL, NULL, 'h2', NULL);
