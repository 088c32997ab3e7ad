
	select *
	from "memory"."sushi"."waiter_revenue_by_day_v2"
	where revenue >= 10000
