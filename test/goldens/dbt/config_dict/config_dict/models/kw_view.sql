
select * from "config_dict"."main"."dict_table"