



select * from "memory"."raw"."items"
