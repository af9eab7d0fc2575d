{#-
  The bronze object's fields, from the one definition in finks_ingestion.bronze_schema:
  finks_dbt passes it as JSON in FINKS_BRONZE_SCHEMA (so ingestion's Glue tables, DuckDB's
  read_json spec and the silver column names can never disagree). Each field is
  [json_key, column]: FMP's camelCase key and the snake_case column silver sees.
-#}

{% macro bronze_schema() %}
  {{ return(fromjson(env_var('FINKS_BRONZE_SCHEMA'))) }}
{% endmacro %}

{% macro bronze_envelope_fields() %}
  {{ return(finks.bronze_schema()['envelope']) }}
{% endmacro %}

{% macro bronze_partition() %}
  {{ return(finks.bronze_schema()['partition']) }}
{% endmacro %}

{% macro bronze_record_fields(dataset) %}
  {%- set records = finks.bronze_schema()['records'] -%}
  {%- if dataset not in records -%}
    {{ exceptions.raise_compiler_error(
        "bronze_record_fields: unknown dataset '" ~ dataset ~ "' (known: "
        ~ (records.keys() | list | join(', ')) ~ "). Add it in finks_ingestion/bronze_schema.py.") }}
  {%- endif -%}
  {{ return(records[dataset]) }}
{% endmacro %}
