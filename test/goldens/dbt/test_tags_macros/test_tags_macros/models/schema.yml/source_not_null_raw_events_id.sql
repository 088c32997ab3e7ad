
select * from "test_tags_macros"."raw"."events" where id is null
