
    
    
    

    select * from (select * from "test_macro_config"."main"."orders" where amount > 0) dbt_subquery where id is null
