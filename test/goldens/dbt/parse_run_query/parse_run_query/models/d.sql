
select * from "parse_run_query"."main"."b"