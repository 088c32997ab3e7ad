
select * from "untaken_branch"."main"."a"
