select
    any_value(a) as any_a,
    logical_or(b) as any_b,
    
    cast(c as string)
 as c_text,
    
    cast(g as geography)
 as g_geo,
    safe_cast(c as INT64) as c_int,
    safe_cast(1 as FLOAT64) as one_float,
    safe_cast(g as geography) as g_safe_geo,
    
  
    cast(b as string)

 as b_text,
    a || '-' || c as a_c,
    timestamp_trunc(
        cast(d as timestamp),
        month
    ) as d_month,
    'it\'s' as escaped,
    '''abc''' as literal,
    to_hex(md5(cast(a as string))) as a_hash,
    

    length(
        a
    ) as a_length,
    

    strpos(
        a,
        'x'

    ) as x_at,
    

    replace(
        a,
        'x',
        'y'
    )


 as a_y,
    

    case when 3 = 0
        then ''
    else
        substr(
            a,
            -1 * (3)
        )
    end as a_right,
    

  
    split(
        a,
        ','
        )[safe_offset(1)]
  

 as second_part,
    

  
    split(
        a,
        ','
        )[safe_offset(
          length(a)
          - length(
              replace(a,  ',', '')
          ) + 1 + -1
        )]
  

 as last_part,
    date(2024, 1, 5) as fixed_date,
    current_timestamp() as now_ts,
    cast(null as timestamp) as t_ts,
    cast(null as numeric) as t_num,
    cast(null as bigint) as t_big,
    cast(null as boolean) as t_bool,
    
    [ 1 , 2 ]
     as arr,
    array_concat(arr_1, arr_2) as arr_both,
    array_concat(arr_1, 
    [ 3 ]
    ) as arr_more,
    (a = c) as a_is_c,
    a as id, c as name, 'done' as status
from `RAW_DB`.`app`.`events`
group by a, c



    except distinct



select * from `RAW_DB`.`app`.`events`



    intersect distinct



select * from `RAW_DB`.`app`.`events`