CREATE TABLE `lits` (
  `a` varchar(20) DEFAULT 'it''s',
  `b` varchar(20) DEFAULT 'back\\slash',
  `c` varchar(20) DEFAULT '',
  `d` varchar(20) DEFAULT 'now',
  `e` int DEFAULT -1,
  `f` tinyint(1) DEFAULT true,
  `g` varchar(20) DEFAULT 'quoted',
  `h` varchar(20) DEFAULT 0,
  `i` text DEFAULT 'long text default'
);
