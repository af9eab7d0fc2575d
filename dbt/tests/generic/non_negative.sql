{#- Fails for every row where the column is negative (null passes: use not_null for that). -#}
{% test non_negative(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < 0
{% endtest %}
