


    




    
    
    





SELECT
  o.waiter_id::INT AS waiter_id, /* Waiter id */
  SUM(oi.quantity * i.price)::DOUBLE AS revenue, /* Revenue from orders taken by this waiter */
  o.ds::TEXT AS ds, /* Date */
  
    1::INT AS constant /* Constant */
  
FROM "memory"."raw"."orders" AS o
LEFT JOIN "memory"."raw"."order_items" AS oi
  ON o.id = oi.order_id AND o.ds = oi.ds
LEFT JOIN "memory"."raw"."items" AS i
  ON oi.item_id = i.id AND oi.ds = i.ds


GROUP BY
  o.waiter_id,
  o.ds