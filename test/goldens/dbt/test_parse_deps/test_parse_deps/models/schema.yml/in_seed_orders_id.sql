select id from "test_parse_deps"."main"."orders"
    where id not in (select id from "test_parse_deps"."main"."allowed_ids")
