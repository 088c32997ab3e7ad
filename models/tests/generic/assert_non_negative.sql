{#- Fails for every row whose column is negative. -#}
{% test assert_non_negative(model, column_name) %}

select *
from {{ model }}
where {{ column_name }} < 0

{% endtest %}
