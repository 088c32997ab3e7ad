
    
    select count(*) as diff_count from "test_macro_config"."main"."orders" where amount is null
