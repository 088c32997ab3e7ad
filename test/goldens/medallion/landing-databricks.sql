create or replace view `dbt_project_retail`.`landing`.`orders` as
select * from read_files(
    's3://retail-landing/landing/orders/',
    format => 'csv',
    header => true,
    multiLine => true,
    escape => '"',
    mode => 'FAILFAST',
    schemaHints => '`id` bigint, `created_at` timestamp, `unit_price` decimal(10,2)'
);

create table if not exists `dbt_project_retail`.`landing`.`orders` (`id` bigint, `created_at` timestamp, `unit_price` decimal(10,2));

copy into `dbt_project_retail`.`landing`.`orders`
from 's3://retail-landing/landing/orders/'
fileformat = CSV
format_options ('header' = 'true', 'multiLine' = 'true', 'escape' = '"', 'inferSchema' = 'true', 'mergeSchema' = 'true')
copy_options ('mergeSchema' = 'true');
