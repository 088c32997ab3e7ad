
select id from main.orders where false
