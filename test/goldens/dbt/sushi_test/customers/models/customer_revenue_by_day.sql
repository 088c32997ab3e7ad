



WITH order_total AS (
  SELECT
    oi.order_id AS order_id,
    SUM(oi.quantity * i.price) AS total,
    oi.ds AS ds
  FROM "memory"."raw"."order_items" AS oi
  LEFT JOIN "memory"."raw"."items" AS i
    ON oi.item_id = i.id AND oi.ds = i.ds


  GROUP BY
    oi.order_id,
    oi.ds
)
SELECT
  o.customer_id::INT AS customer_id, /* Customer id */
  SUM(ot.total)::DOUBLE AS revenue, /* Revenue from orders made by this customer */
  o.ds::TEXT AS ds /* Date */
FROM "memory"."raw"."orders" AS o
LEFT JOIN order_total AS ot
  ON o.id = ot.order_id AND o.ds = ot.ds


GROUP BY
  o.customer_id,
  o.ds