

SELECT
  1 AS c,
  2 AS c,