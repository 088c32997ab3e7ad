
    
    select * from "test_macro_config"."main"."orders" where id is null
