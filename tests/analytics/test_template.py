"""template.yaml and the analytics code agree: the Glue tables declare the columns the local
engine reads, where the Firehose streams write, and the rules capture every event the SQL reads."""

from __future__ import annotations

import re
from typing import Any

import pytest

from local.stack import TEMPLATE_PATH
from local.template import load_template
from returns_service.analytics import query
from returns_service.analytics.records import PARTITION_COLUMN, TABLES, RecordTable

RESOURCES: dict[str, Any] = load_template(TEMPLATE_PATH)["Resources"]


def of_type(kind: str) -> dict[str, dict[str, Any]]:
    return {name: spec["Properties"] for name, spec in RESOURCES.items() if spec["Type"] == kind}


def glue_table(table: RecordTable) -> dict[str, Any]:
    [found] = [
        p["TableInput"] for p in of_type("AWS::Glue::Table").values() if p["TableInput"]["Name"] == table.name
    ]
    return dict(found)


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_each_glue_table_is_the_records_the_local_engine_reads(table: RecordTable) -> None:
    glue = glue_table(table)
    storage = glue["StorageDescriptor"]
    assert [(c["Name"], c["Type"]) for c in storage["Columns"]] == list(table.columns)
    assert glue["PartitionKeys"] == [{"Name": PARTITION_COLUMN, "Type": "string"}]
    assert storage["Location"]["Fn::Sub"] == f"s3://${{AnalyticsBucket}}/{table.prefix}"
    parameters = glue["Parameters"]
    assert (
        parameters["storage.location.template"]["Fn::Sub"]
        == f"s3://${{AnalyticsBucket}}/{table.prefix}dt=${{!dt}}/"
    )
    assert parameters["projection.enabled"] == "true" and parameters["projection.dt.format"] == "yyyy-MM-dd"
    assert storage["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"


def test_the_streams_write_where_the_tables_read() -> None:
    streams = of_type("AWS::KinesisFirehose::DeliveryStream")
    prefixes = {p["ExtendedS3DestinationConfiguration"]["Prefix"] for p in streams.values()}
    assert prefixes == {f"{t.prefix}dt=!{{timestamp:yyyy-MM-dd}}/" for t in TABLES}
    for properties in streams.values():
        destination = properties["ExtendedS3DestinationConfiguration"]
        assert destination["CompressionFormat"] == "GZIP" and destination["FileExtension"] == ".json.gz"
        [processor] = destination["ProcessingConfiguration"]["Processors"]
        assert processor["Type"] == "AppendDelimiterToRecord"  # one JSON object a line


def test_the_rules_capture_every_event_the_sql_reads() -> None:
    rules = of_type("AWS::Events::Rule")
    captured = {t for rule in rules.values() for t in rule["EventPattern"]["detail-type"]}
    named = set(re.findall(r"detail_?[tT]ype = '([^']+)'", query.sql()))
    assert named == {"Return Requested", "Return Received", "Refund Issued", "Cancellation Completed"}
    # ... and Return Rejected / Return Closed, whose statuses end a return.
    assert captured == {"Order Updated", *named, "Return Rejected", "Return Closed"}
    for rule in rules.values():
        [target] = rule["Targets"]
        template = target["InputTransformer"]["InputTemplate"]
        assert (
            template == '{"id": "<id>", "detailType": "<detailType>", "time": "<time>", "detail": <detail>}'
        )
