select id from "test_parse_deps"."main"."customers"
    where id not in (select id from "test_parse_deps"."main"."allowed_ids")
