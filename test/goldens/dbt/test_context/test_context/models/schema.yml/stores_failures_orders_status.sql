
select status from main.orders where true
