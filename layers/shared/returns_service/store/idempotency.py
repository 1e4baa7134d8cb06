"""Where Powertools idempotency keeps its records of ``POST /returns`` (IdempotencyTable)."""

from __future__ import annotations

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from returns_service import aws
from returns_service.settings import settings


def persistence_layer() -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(table_name=settings.idempotency_table, boto3_client=aws.dynamodb_client())
