




SELECT
  1 AS c