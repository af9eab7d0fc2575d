{#-
  Small SQL differences between Athena (Trino) and DuckDB, behind
  adapter.dispatch so the models stay engine-neutral. Everything else the
  models use (try_cast, window functions, stddev_samp, nulls last) is
  spelled the same in both engines.
-#}

{#- ISO-8601 UTC text ("2026-11-26T13:00:00Z") -> timestamp without zone, or null. #}
{% macro iso_timestamp(expr) %}
  {{- return(adapter.dispatch('iso_timestamp', 'finks')(expr)) -}}
{% endmacro %}

{% macro default__iso_timestamp(expr) -%}
  try_cast({{ expr }} as timestamp)
{%- endmacro %}

{#- Iceberg tables on Athena store timestamp(6) without a zone. #}
{% macro athena__iso_timestamp(expr) -%}
  cast(try(from_iso8601_timestamp({{ expr }})) as timestamp(6))
{%- endmacro %}

{#- Text -> double, null when the text is not a number. #}
{% macro to_double(expr) -%}
  try_cast({{ expr }} as double)
{%- endmacro %}

{#- Text -> bigint, accepting "123" and "123.0" (FMP sends either), else null. #}
{% macro to_bigint(expr) -%}
  cast(try_cast({{ expr }} as double) as bigint)
{%- endmacro %}

{#- A positive number or null: prices, market caps. #}
{% macro positive_or_null(expr) -%}
  case when {{ expr }} > 0 then {{ expr }} end
{%- endmacro %}

{#- The symbol a record belongs to: its own field, else the envelope's, trimmed, upper-case. #}
{% macro clean_symbol(expr, fallback) -%}
  upper(trim(coalesce({{ expr }}, {{ fallback }})))
{%- endmacro %}
