CREATE TABLE `events` (
  `at` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  `at2` datetime(6) DEFAULT now(6),
  `at3` datetime DEFAULT current_timestamp()
);
