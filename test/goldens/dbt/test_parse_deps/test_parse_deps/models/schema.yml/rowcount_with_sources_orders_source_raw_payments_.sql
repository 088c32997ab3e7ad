
    select count(*) from "test_parse_deps"."main"."orders"
     union all select count(*) from "test_parse_deps"."main"."payments" 
