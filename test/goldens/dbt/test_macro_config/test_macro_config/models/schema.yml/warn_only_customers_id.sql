
    
    select * from "test_macro_config"."main"."customers" where id is null
