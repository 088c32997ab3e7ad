
-- depends_on: "dagster_asset_checks"."main"."orders"

select 1 from "dagster_asset_checks"."main"."customers" where false