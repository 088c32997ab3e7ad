select *
	from "memory"."sushi"."customer_revenue_by_day"
	where revenue < 0