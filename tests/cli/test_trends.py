"""``kaffe trends``: the themes in a real store, as text and as JSON, with articles."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kaffe.cli import main
from kaffe.model import Article, Contact, FeedBatch, Topic
from kaffe.store import Store
from tests.helpers import write_config

NOW = datetime(2026, 4, 1, 10, tzinfo=UTC)
DAY = timedelta(days=1)
FEED = '[[feeds]]\nurl = "https://feeds.example/energy.xml"\nname = "Energy News"\n'


def _setup(tmp_path: Path, extra: str = "") -> Path:
    cfg = write_config(tmp_path, "http://127.0.0.1:9", extra=extra,
                       me='name = "Alex"\naddresses = ["alex@example.com"]\n'
                          'timezone = "Europe/Copenhagen"\n')
    with Store.open(tmp_path / "kaffe.db") as store:
        store.upsert_contact(Contact("mette@groen.dk", "Mette Jensen"))
        store.add_topics([
            Topic("mette@groen.dk", "grøn brint", "notes:mette@groen.dk.md", NOW - 2 * DAY),
            Topic("bo@harbor.example", "green hydrogen", "event:g/1", NOW - 10 * DAY),
            Topic("cy@ports.example", "hydrogen", "note", NOW - 30 * DAY),
            Topic("cy@ports.example", "port automation", "note", NOW - 30 * DAY),
        ])
        store.apply_feed_batch(FeedBatch("Energy News", (
            Article("h1", "Energy News", "https://news.example/h1",
                    "Green hydrogen plant opens in Esbjerg",
                    "The green hydrogen plant will supply hydrogen to heavy transport.",
                    published=NOW - DAY, language="en"),
            Article("c1", "Energy News", "https://news.example/c1", "Cheese prices rise",
                    "Dairy farmers report record prices.", published=NOW - DAY,
                    language="en")), None), now=NOW - DAY)
    return cfg


def test_text_groups_ranks_and_says_who_and_when(tmp_path: Path, capsys) -> None:
    cfg = _setup(tmp_path, FEED)
    assert main(["--config", str(cfg), "trends", "--now", NOW.isoformat()]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("trends: 2 themes from 3 people, ranked by who raised them")
    assert "score = sum over the people who raised it of 0.5 ** (days since" in lines[0]
    assert lines[2] == ("1. grøn brint: 3 people, latest 2026-03-30 "
                        "(also: green hydrogen, hydrogen)")
    assert lines[3] == '   2026-03-30  Mette Jensen <mette@groen.dk>: "grøn brint"'
    assert lines[4] == '   2026-03-22  bo@harbor.example: "green hydrogen"'
    assert "   read: Green hydrogen plant opens in Esbjerg (2026-03-31, Energy News)" in lines
    assert "Cheese" not in out
    assert out.index("2. port automation: 1 person") > out.index("Esbjerg")


def test_json_is_stable_machine_output(tmp_path: Path, capsys) -> None:
    cfg = _setup(tmp_path, FEED)
    assert main(["--config", str(cfg), "trends", "--json", "--limit", "1",
                 "--now", NOW.isoformat()]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"now", "formula", "half_life_days", "total", "themes"}
    assert doc["total"] == 2 and len(doc["themes"]) == 1
    (theme,) = doc["themes"]
    assert set(theme) == {"rank", "theme", "texts", "score", "people", "latest", "mentions",
                          "articles"}
    assert (theme["rank"], theme["theme"], theme["people"]) == (1, "grøn brint", 3)
    assert theme["mentions"][0] == {"email": "mette@groen.dk", "name": "Mette Jensen",
                                    "text": "grøn brint", "date": "2026-03-30"}
    assert [a["url"] for a in theme["articles"]] == ["https://news.example/h1"]


def test_without_feeds_no_articles(tmp_path: Path, capsys) -> None:
    cfg = _setup(tmp_path)
    assert main(["--config", str(cfg), "trends", "--now", NOW.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "1. grøn brint: 3 people" in out and "read:" not in out


def test_the_limit_says_how_many_more(tmp_path: Path, capsys) -> None:
    cfg = _setup(tmp_path)
    assert main(["--config", str(cfg), "trends", "--limit", "1", "--now", NOW.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "port automation" not in out and "… and 1 more (--limit N shows more)" in out


def test_empty_state_says_what_to_do(tmp_path: Path, capsys) -> None:
    cfg = write_config(tmp_path, "http://127.0.0.1:9")
    assert main(["--config", str(cfg), "trends"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("no meetings or notes yet")
    assert "kaffe note CONTACT" in out and "[topics] notes_dir" in out
    assert main(["--config", str(cfg), "trends", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["themes"] == []


def test_a_bad_limit_is_a_usage_error(tmp_path: Path, capsys) -> None:
    cfg = write_config(tmp_path, "http://127.0.0.1:9")
    try:
        main(["--config", str(cfg), "trends", "--limit", "0"])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("--limit 0 accepted")
    assert "expected a whole number of 1 or more" in capsys.readouterr().err
