create or replace view `dbt_project_retail`.`landing`.`orders` as
select *, _metadata.file_name as _landing_file from read_files(
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
format_options ('header' = 'true', 'multiLine' = 'true', 'escape' = '"', 'mode' = 'FAILFAST', 'inferSchema' = 'true', 'mergeSchema' = 'true')
copy_options ('mergeSchema' = 'true');

create or replace view `dbt_project_retail`.`landing`.`orders` as
select * except (_rescued_data), _metadata.file_name as _landing_file from read_files(
    's3://retail-landing/landing/orders/',
    format => 'csv',
    header => true,
    multiLine => true,
    escape => '"',
    mode => 'PERMISSIVE',
    rescuedDataColumn => '_rescued_data',
    schemaHints => '`id` bigint, `created_at` timestamp, `unit_price` decimal(10,2)'
)
where _rescued_data is null;

create or replace view `dbt_project_retail`.`landing`.`orders__rejects` as
select _metadata.file_path as file, _rescued_data as error, * except (_rescued_data) from read_files(
    's3://retail-landing/landing/orders/',
    format => 'csv',
    header => true,
    multiLine => true,
    escape => '"',
    mode => 'PERMISSIVE',
    rescuedDataColumn => '_rescued_data',
    schemaHints => '`id` bigint, `created_at` timestamp, `unit_price` decimal(10,2)'
)
where _rescued_data is not null;
