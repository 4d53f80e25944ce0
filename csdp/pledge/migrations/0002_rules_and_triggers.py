"""Seed the rule tables staff edit afterwards, and make the history tables append-only.

LPR: the one-year 贷款市场报价利率 as published by 全国银行间同业拆借中心 (values to 2025-05-20;
later announcements are entered by staff on the 利率与证券种类 page). Eligible kinds: 004 §九."""
from django.db import migrations

LPR_SOURCE = "全国银行间同业拆借中心公布的贷款市场报价利率（LPR），1年期"
LPR_ONE_YEAR_BP = [  # (effective date, basis points)
    ("2019-08-20", 425), ("2019-09-20", 420), ("2019-11-20", 415), ("2020-02-20", 405), ("2020-04-20", 385),
    ("2021-12-20", 380), ("2022-01-20", 370), ("2022-08-22", 365), ("2023-06-20", 355), ("2023-08-21", 345),
    ("2024-07-22", 335), ("2024-10-21", 310), ("2025-05-20", 300),
]
ELIGIBLE = [  # (market, kind, 004 §九 item)
    *((m, k, "§九(一) 沪深交易所挂牌证券") for m in ("SSE", "SZSE") for k in ("stock", "bond", "fund", "amp")),
    ("NEEQ", "stock", "§九(二) 全国股转系统挂牌证券"), ("BSE", "stock", "§九(二) 全国股转系统/北交所挂牌证券"),
    ("BSE", "bond", "§九(二) 北交所挂牌证券"),
    *((m, k, "§九(三) 本公司登记的开放式基金、证券公司资产管理计划份额")
      for m in ("NEEQ", "BSE") for k in ("fund", "amp")),
]
TABLES = ["pledge_postingtransition", "pledge_moderationaction"]


def load(apps, schema_editor):
    """Idempotent; also called after a transactional test's flush and by the demo seeder."""
    import datetime as dt

    LprRate = apps.get_model("pledge", "LprRate")
    EligibleKind = apps.get_model("pledge", "EligibleKind")
    BoardSettings = apps.get_model("pledge", "BoardSettings")
    for day, bp in LPR_ONE_YEAR_BP:
        LprRate.objects.get_or_create(effective_date=dt.date.fromisoformat(day),
                                      defaults={"one_year_bp": bp, "source": LPR_SOURCE})
    for market, kind, note in ELIGIBLE:
        EligibleKind.objects.get_or_create(market=market, kind=kind, defaults={"note": note})
    if not BoardSettings.objects.exists():
        BoardSettings.objects.create(rate_cap_multiple=4)


def triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(
                f"""CREATE OR REPLACE FUNCTION {table}_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN RAISE EXCEPTION '{table} is append-only: %% refused', TG_OP USING ERRCODE = '23000';
                    END $$""".replace("%%", "%"), None)
            schema_editor.execute(f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                                  f"FOR EACH ROW EXECUTE FUNCTION {table}_immutable()", None)
        elif vendor == "sqlite":
            for op in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END", None)


def triggers_drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}", None)
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_immutable()", None)
        elif vendor == "sqlite":
            for op in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}", None)


class Migration(migrations.Migration):
    dependencies = [("pledge", "0001_initial")]
    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
        migrations.RunPython(triggers, triggers_drop),
    ]
