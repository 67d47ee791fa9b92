"""The feed, topic, relevance, drip, check-in, prep and guard sections."""

from __future__ import annotations

from pathlib import Path

import pytest

from kaffe.config import loads
from kaffe.config.schema import FeedConfig
from kaffe.errors import ConfigError, Problem


def problems(text: str) -> list[Problem]:
    with pytest.raises(ConfigError) as info:
        loads(text, source="kaffe.toml", base_dir=Path("/cfg"))
    return info.value.problems


def rendered(text: str) -> list[str]:
    return [str(problem) for problem in problems(text)]


def test_feeds_are_an_array_of_tables_with_normalised_values() -> None:
    config = loads(
        """
[[feeds]]
url = "https://example.com/feed.xml"
language = "da-DK"
tags = [" Grøn  Omstilling ", "ENERGY"]

[[feeds]]
url = "feeds/local.xml"
name = "local"
""",
        base_dir=Path("/cfg"),
    )
    assert config.feeds == (
        FeedConfig(
            url="https://example.com/feed.xml",
            language="da",
            tags=("grøn omstilling", "energy"),
        ),
        FeedConfig(url="/cfg/feeds/local.xml", name="local"),
    )


def test_file_urls_and_home_paths_become_absolute_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    config = loads('[[feeds]]\nurl = "file:///srv/a%20b.xml"\n[[feeds]]\nurl = "~/f.xml"\n')
    assert [feed.url for feed in config.feeds] == ["/srv/a b.xml", str(tmp_path / "f.xml")]


def test_feed_problems_name_the_entry_index() -> None:
    text = """
[[feeds]]
url = "https://ok.example/feed"

[[feeds]]
url = "ftp://example.com/feed.xml"
language = "danish"
tgas = ["x"]

[[feeds]]
name = "no url"
"""
    assert rendered(text) == [
        "kaffe.toml: [feeds][2] url: expected an http(s) URL, a file:// URL or a file path, "
        'got "ftp://example.com/feed.xml"',
        'kaffe.toml: [feeds][2] language: expected a two-letter language code like "en" or '
        '"da", got "danish"',
        'kaffe.toml: [feeds][2] tgas: unknown key (did you mean "tags"?)',
        "kaffe.toml: [feeds][3] url: missing: every [[feeds]] entry needs a url",
    ]
    assert [p.index for p in problems(text)] == [2, 2, 2, 3]


def test_feeds_written_as_a_single_table_is_one_problem() -> None:
    (problem,) = problems('[feeds]\nurl = "https://example.com/feed"\n')
    assert (problem.section, problem.key, problem.index) == ("feeds", "", None)
    assert "expected [[feeds]] entries (an array of tables), got a table" in problem.message


def test_two_feeds_with_one_name_are_reported_at_the_second() -> None:
    text = """
[[feeds]]
url = "https://a.example/feed"
name = "news"
[[feeds]]
url = "https://b.example/feed"
[[feeds]]
url = "https://c.example/feed"
name = "news"
"""
    assert rendered(text) == [
        'kaffe.toml: [feeds][3] name: "news" is already used by [[feeds]] entry 1'
    ]


def test_a_top_level_feed_key_points_at_the_feeds_section() -> None:
    (problem,) = problems('url = "https://example.com/feed"')
    assert "did you mean to put it under [feeds]?" in problem.message


def test_every_new_section_loads() -> None:
    config = loads(
        """
[feed_options]
timeout_seconds = 5
max_bytes = 1_000_000
max_backoff_hours = 6
keep_days = 30
[topics]
notes_dir = "notes"
from_mail = true
[relevance]
threshold = 3.5
min_terms = 2
[drip]
enabled = false
min_gap_days = 45
max_per_year = 4
max_unanswered = 1
horizon_days = 200
max_article_age_days = 7
daily_cap = 1
[checkin]
after_days = 90
[prep]
lead_hours = 12
questions = ["What is new?"]
[guard]
patterns = ["\\\\bhiring\\\\b"]
allow = ["job to be done"]
""",
        base_dir=Path("/cfg"),
    )
    assert config.feed_options.timeout_seconds == 5.0
    assert config.feed_options.max_bytes == 1_000_000
    assert config.topics.notes_dir == Path("/cfg/notes")
    assert config.topics.from_mail is True
    assert (config.relevance.threshold, config.relevance.min_terms) == (3.5, 2)
    assert config.drip.enabled is False and config.drip.min_gap_days == 45
    assert config.checkin.after_days == 90
    assert config.prep.questions == ("What is new?",)
    assert config.guard.patterns == (r"\bhiring\b",)


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("[feed_options]\nmax_bytes = 10", "feed_options max_bytes", "between 10000 and"),
        ("[feed_options]\ntimeout_seconds = 0", "feed_options timeout_seconds", "between 1 and"),
        ('[topics]\nfrom_mail = "yes"', "topics from_mail", "expected true or false"),
        ("[relevance]\nmin_terms = 0", "relevance min_terms", "between 1 and 20"),
        ('[drip]\nmin_gap_days = "soon"', "drip min_gap_days", 'whole number, got "soon"'),
        ("[drip]\ndaily_cap = -1", "drip daily_cap", "between 0 and 100"),
        ("[checkin]\nafter_days = 3", "checkin after_days", "between 7 and 3650"),
        ('[prep]\nquestions = "why?"', "prep questions", "expected a list of strings"),
        ('[guard]\npatterns = ["ok", "job(for"]', "guard patterns", "item 2: not a valid regular"),
        ('[guard]\nallow = ["[unclosed"]', "guard allow", "expression (unterminated"),
    ],
)
def test_new_section_problems_are_located(text: str, where: str, message: str) -> None:
    (problem,) = problems(text)
    assert f"{problem.section} {problem.key}" == where
    assert message in problem.message
