select *
from "warehouse"."public"."accounts"