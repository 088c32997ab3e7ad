
    select * from "test_parse_deps"."main"."orders" m join "test_parse_deps"."main"."other_seed" l using (id)
    join "test_parse_deps"."main"."events" e using (id)
