
	select *
	from "memory"."sushi"."waiter_revenue_by_day_v1"
	where revenue >= 10000
