"""The guard's classifier (issue 16): job asks it has never seen are blocked, hard
negatives pass, a verdict names the sentence and why, ``allow`` still un-blocks, and
the model is shipped as data scored without numpy."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kaffe import jobask
from kaffe.compose.guard import check, check_draft, check_patterns
from kaffe.config.schema import GuardConfig
from kaffe.model import Draft, Recipient
from tests.compose.test_guard import DANISH_OK, ENGLISH_OK

ROOT = Path(__file__).resolve().parents[2]
ON = GuardConfig()

# The issue's six phrasings (none of them in the training data, none caught by a pattern)
ISSUE_ASKS = [
    "Do you think your firm would take on someone with my background?",
    "If a seat frees up in your analytics group, I'd jump at it",
    "Who should I send my application to at your company?",
    "Hvad skal der til for at komme ind hos jer?",
    "Jeg kunne godt se mig selv i jeres team, hvis der bliver plads",
    "Hvem skal jeg sende en ansøgning til hos jer?",
]
# The issue's hard negatives, in our own words: their new role, hiring trends, the
# labour market, a study on job satisfaction, congratulations on a new position.
HARD_NEGATIVES = [
    "Congratulations on your new role at Maersk!",
    "The report on job satisfaction was eye-opening.",
    "Hiring trends in fintech look grim this year.",
    "The labour market for data engineers is tight.",
    "I just started a new position at Novo, and it is going well.",
    "Tillykke med den nye stilling!",
    "Arbejdsmarkedet for udviklere er stramt.",
    "Undersøgelsen af jobtilfredshed var interessant læsning.",
]


@pytest.mark.parametrize("text", ISSUE_ASKS)
def test_the_issues_phrasings_are_blocked_by_the_model(text: str) -> None:
    assert not check_patterns(text, ON).blocked  # the patterns alone miss them
    verdict = check(text, ON)
    assert verdict.blocked and verdict.pattern == "" and verdict.score is not None
    assert verdict.score.score >= verdict.score.threshold


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_hard_negatives_pass(text: str) -> None:
    assert not check(text, ON).blocked, check(text, ON).reason


def test_the_verdict_names_the_sentence_and_why() -> None:
    mail = ("Hi Ana,\n\nThanks for the coffee on Tuesday! I enjoyed hearing about the\n"
            "migration. Do you think your firm would take on someone with my\n"
            "background? Anyway, here is the article: https://example.com/a.b?c=1.\n\n"
            "Best,\nMette\n")
    verdict = check(mail, ON)
    assert verdict.blocked
    assert verdict.sentence == ("Do you think your firm would take on someone with my\n"
                                "background?")
    assert verdict.phrase == verdict.sentence
    assert verdict.score is not None and verdict.score.language == "en"
    assert verdict.reason.startswith(f"model {verdict.score.score:.2f} >= ")
    assert len(verdict.score.top) == 3
    assert all(f'"{word}"' in verdict.reason for word in verdict.score.top)


@pytest.mark.parametrize("line", [
    "Hi Lea and Jo,", "Hej Ana og Bo,", "Kære alle", "Dear Dr. Smith,", "Hi Lea, Jo and Ida,",
    "Best, Mette", "Mange hilsner Ana", "Best regards, Mette Hansen"])
def test_a_greeting_or_sign_off_with_names_is_not_judged_by_the_model(line: str) -> None:
    assert jobask.salutation(line)
    assert not check(f"{line}\n\nThanks for the coffee on Tuesday.", ON).blocked


@pytest.mark.parametrize("line", [
    "Hi Ana, any openings for me?", "Hej Ana, har I en ledig stilling?",
    "Thanks, and keep me in mind for any openings", "Thanks Ana, I Would Love A Job",
    "Hi there, hope you are well", "Thanks for the coffee."])
def test_a_line_that_says_more_than_hello_is_no_salutation(line: str) -> None:
    assert not jobask.salutation(line)


def test_a_pattern_verdict_names_its_sentence_and_pattern() -> None:
    verdict = check("Great talk. By the way, are you hiring? See you!", ON)
    assert verdict.blocked and verdict.phrase == "are you hiring"
    assert verdict.sentence == "By the way, are you hiring?"
    assert verdict.reason == f"pattern {verdict.pattern}" and verdict.score is None


def test_allow_unblocks_a_sentence_the_model_flags_and_only_that_one() -> None:
    text = "Who should I send my application to at your company?"
    allow = GuardConfig(allow=(r"send my application",))
    assert not check(text, allow).blocked
    both = f"{text} Hvem skal jeg sende en ansøgning til hos jer?"
    verdict = check(both, allow)
    assert verdict.blocked and verdict.sentence.startswith("Hvem skal")
    assert verdict.score is not None and verdict.score.language == "da"


def test_own_patterns_still_block_and_the_disabled_guard_blocks_nothing() -> None:
    assert check("Any internships?", GuardConfig(patterns=(r"\binternships?\b",))).pattern
    assert not check(ISSUE_ASKS[0], GuardConfig(enabled=False)).blocked


def test_a_draft_to_yourself_is_held_to_the_patterns_alone() -> None:
    me, them = Recipient("me@example.com"), Recipient("ana@example.org")
    brief = Draft("prep:1", me, (me,), "Prep: coffee with Ana", ISSUE_ASKS[0])
    assert not check_draft(brief, ON).blocked
    assert check_draft(Draft("followup:1", me, (them,), "Thanks", ISSUE_ASKS[0]), ON).blocked
    assert check_draft(Draft("prep:1", me, (me,), "Prep", "Are you hiring?"), ON).blocked


@pytest.mark.parametrize(("text", "expected"), [
    ("Hi Ana,\nThanks for the coffee. It was great!\n\nBest,\nMette",
     ["Hi Ana,", "Thanks for the coffee.", "It was great!", "Best,", "Mette"]),
    ("We met at e.g. the Dept. of Physics, i.e. upstairs. See www.example.com/x.html now.",
     ["We met at e.g. the Dept. of Physics, i.e. upstairs.", "See www.example.com/x.html now."]),
    ("Thanks!\n- one thing\n- another thing\n1. a third\nP.S. are you around?",
     ["Thanks!", "- one thing", "- another thing", "1. a third", "P.S. are you around?"]),
    ("Det var f.eks. godt, bl.a. kaffen. Vi ses!\n> quoted line\nHej igen",
     ["Det var f.eks. godt, bl.a. kaffen.", "Vi ses!", "> quoted line", "Hej igen"]),
    ("a sentence wrapped\nover two lines. and one in lower case? Yes.",
     ["a sentence wrapped\nover two lines. and one in lower case?", "Yes."]),
])
def test_sentences_survive_mail_text(text: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in jobask.sentences(text)] == expected


def test_the_shipped_model_is_small_and_complete() -> None:
    model = jobask.model()
    assert set(model.thresholds) == {"en", "da"}
    assert all(0.0 < t < 1.0 for t in model.thresholds.values())
    assert 100 < len(model) <= 30_000
    size = (ROOT / "src" / "kaffe" / "jobask" / "model.tsv").stat().st_size
    assert size < 2_000_000


WORDS_ONLY = jobask.Options(words=True, bigrams=False, stems=False, normalise=False)


def _network(text: str = "") -> jobask.Model:
    """Two units by hand: the first fires only when "i" and "you" are both present
    (1 + 1 - 1.5), the second never on these sentences ("the" alone cannot beat -5)."""
    return jobask.Model.build(WORDS_ONLY, {"en": 0.5, "da": 0.5},
                              {"w:i": [1.0, 0.0], "w:you": [1.0, 0.0], "w:the": [0.0, 1.0]},
                              hidden_bias=[-1.5, -5.0], output=[10.0, 100.0], bias=-3.0)


def test_the_network_scores_a_word_by_its_company() -> None:
    model = _network()
    assert jobask.score("i you", "en", model).score == pytest.approx(0.8808, abs=1e-4)
    assert jobask.score("i", "en", model).score == pytest.approx(0.0474, abs=1e-4)
    assert jobask.score("you", "en", model).score == pytest.approx(0.0474, abs=1e-4)
    assert jobask.score("i you", "en", model).blocked
    assert not jobask.score("i", "en", model).blocked


def test_the_reason_names_features_through_the_units_that_fired() -> None:
    judged = jobask.score("the i you", "en", _network())
    # "the" has a large weight into the second unit, which stayed off: not a reason
    assert judged.top == ("i", "you")


def test_the_model_file_round_trips_and_rejects_a_short_row() -> None:
    model = _network()
    steps = {"w:i": [127, 0], "w:you": [127, 0], "w:the": [0, 127]}
    head = (f"@options\t{WORDS_ONLY.as_json()}\n@threshold\ten\t0.5\n@threshold\tda\t0.5\n"
            f"@scale\t{model.scale[0]}\t{model.scale[1]}\n@hidden_bias\t-1.5\t-5.0\n"
            "@output\t10.0\t100.0\n@bias\t-3.0\n")
    rows = "".join(f"{name}\t{jobask.hex_row(row)}\n" for name, row in jobask.ordered(steps))
    parsed = jobask.parse(head + rows)
    assert parsed == model
    with pytest.raises(ValueError, match="has 1 weights, not 2"):
        jobask.parse(head + "w:job\t7f\n")
    with pytest.raises(ValueError, match="no bias"):
        jobask.parse(head.replace("@bias\t-3.0\n", "") + rows)


def test_scoring_loads_neither_numpy_nor_sklearn() -> None:
    code = ("import sys\nfrom kaffe.compose.guard import check\n"
            "from kaffe.config.schema import GuardConfig\n"
            "assert check('Are there openings for someone like me at your firm?',"
            " GuardConfig()).blocked\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('numpy', 'sklearn', 'scipy')))\n"
            "print('snowballstemmer' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT / "src")})
    heavy, stemmer = done.stdout.split()
    assert heavy == "[]"
    # the stemmer (0.7 MB) is loaded only by a model with stem features
    assert stemmer == str(jobask.model().options.stems)


@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None,
                    reason="training needs the tools extra (scikit-learn)")
def test_training_is_deterministic(tmp_path: Path) -> None:
    # the same data gives the same file, and so do the folds fitted one or two at a time
    outs = []
    for name, jobs in (("a.tsv", "1"), ("b.tsv", "1"), ("c.tsv", "2")):
        out = tmp_path / name
        subprocess.run([sys.executable, str(ROOT / "tools" / "train_guard.py"), "--quick",
                        "--limit", "160", "--data", str(ROOT / "tests/data/guard/train.jsonl"),
                        "--jobs", jobs, "--out", str(out)], check=True, capture_output=True,
                       env={"PYTHONPATH": str(ROOT / "src")})
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] == outs[2]
    fitted = jobask.parse(outs[0].decode())
    assert len(fitted) and set(fitted.thresholds) == {"en", "da"}
    assert b"160 sentences from train.jsonl" in outs[0]


@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None,
                    reason="training needs the tools extra (scikit-learn)")
def test_kaffes_own_drafts_are_one_more_authors_ok_lines(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    import train_guard

    (tmp_path / "nudge_da.expected").write_text(
        "From: Mette <me@acme.example>\nSubject: =?utf-8?q?Kaffe_og_dit_syn_p=C3=A5_det?=\n"
        "MIME-Version: 1.0\n\nHej Søren\n\nJeg sender lige min mail op igen.\n"
        "- Who else should I talk to about this?\n\nMange hilsner\nMette\n", "utf-8")
    (tmp_path / "drip_en.expected").write_text(
        "From: Me <me@acme.example>\nSubject: Saw this\n\nHi Ana,\n\nJeg sender lige min "
        "mail op igen.\nSaw this and thought of our talk about data mesh.\n\nBest,\nMe\n",
        "utf-8")
    lines = dict(train_guard.own_lines(tmp_path))
    # the subject decoded; greetings and sign-offs skipped; a sentence once, in its own
    # language when it can tell (else the draft's)
    assert lines == {"Saw this": "en",
                     "Jeg sender lige min mail op igen.": "da",
                     "Saw this and thought of our talk about data mesh.": "en",
                     "Kaffe og dit syn på det": "da",
                     "- Who else should I talk to about this?": "en",
                     "Me": "en"}  # a name alone on its line: the guard judges it too
    rows = [train_guard.Example("Are you hiring?", "en", True, 0),
            train_guard.Example("Har I et job til mig?", "da", True, 3)]
    added = train_guard.with_own_lines(rows, tmp_path)[2:]
    assert len(added) == 6 and {(r.ask, r.author) for r in added} == {(False, 4)}
    # the shipped goldens: every template in both languages
    shipped = train_guard.own_lines()
    assert {lang for _, lang in shipped} == {"en", "da"} and len(shipped) > 100


@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None,
                    reason="training needs the tools extra (scikit-learn)")
def test_same_setting_refits_the_shipped_models_setting(tmp_path: Path) -> None:
    out = tmp_path / "m.tsv"
    subprocess.run([sys.executable, str(ROOT / "tools" / "train_guard.py"), "--same-setting",
                    "--limit", "160", "--data", str(ROOT / "tests/data/guard/train.jsonl"),
                    "--out", str(out)], check=True, capture_output=True,
                   env={"PYTHONPATH": str(ROOT / "src")})
    refit, shipped = jobask.parse(out.read_text("utf-8")), jobask.model()
    assert refit.options == shipped.options
    summary = out.read_text("utf-8").splitlines()[1]
    first = (ROOT / "src/kaffe/jobask/model.tsv").read_text("utf-8").splitlines()[1]
    assert summary.split("; ")[1] == first.split("; ")[1]  # C=... keep=... {options}


# The pattern suite's hard negatives (test_guard.py, written against the patterns) that
# the classifier flags: it reads who asks whom ("I/me + you + question") and cannot tell
# "refer me to the article" from "refer me to your recruiter". Known and reported; an
# ``allow`` pattern un-blocks such a sentence. Strict: when one starts passing, say so.
# (The model trained on ten authors passes three of the five the four-author model
# flagged; the one trained on fourteen passes one more.)
KNOWN_FALSE_POSITIVES = {
    "Jeres team ansætter ingeniører, kan jeg se.",
}


@pytest.mark.parametrize("text", [
    pytest.param(text, marks=pytest.mark.xfail(strict=True, reason="a known false positive"))
    if text in KNOWN_FALSE_POSITIVES else text
    for text in ENGLISH_OK + DANISH_OK
])
def test_the_pattern_suites_hard_negatives_pass_the_whole_guard(text: str) -> None:
    assert not check(text, ON).blocked, check(text, ON).reason


def test_allow_unblocks_a_known_false_positive() -> None:
    text = "Jeres team ansætter ingeniører, kan jeg se."
    assert check(text, ON).blocked
    assert not check(text, GuardConfig(allow=(r"ansætter ingeniører",))).blocked


@pytest.mark.parametrize("line", [
    "In return, I would be glad to offer what I can: " + offer + "."
    for offer in ("eight years of data platform work in shipping and logistics",
                  "an introduction to the people I know in renewable energy",
                  "a second pair of eyes on your pricing model",
                  "my notes from ten years of running customer research")
] + [
    "Til gengæld tilbyder jeg gerne, hvad jeg kan: " + offer + "."
    for offer in ("otte års erfaring med dataplatforme i shipping og logistik",
                  "en introduktion til dem, jeg kender i energibranchen",
                  "et par friske øjne på jeres prismodel")
])
def test_the_outreach_templates_offer_line_passes_the_guard(line: str) -> None:
    # kaffe's own drafts must pass their own guard: the outreach template's offer line
    # (src/kaffe/compose/templates/*/outreach.j2) with offers a user configures. A model
    # the grid chose on ten authors blocked the first (bench/RESULTS.md) and was not shipped.
    assert not check(line, ON).blocked, check(line, ON).reason


def test_no_held_out_line_is_a_training_line() -> None:
    # a held-out figure must not rest on sentences the model was fitted on
    def texts(pattern: str) -> dict[str, str]:
        found = {}
        for path in sorted((ROOT / "tests/data/guard").glob(pattern)):
            for line in path.read_text("utf-8").splitlines():
                if line.strip():
                    text = json.loads(line)["text"]
                    found[" ".join(text.casefold().split())] = path.name
        return found

    training, held_out = texts("train*.jsonl"), texts("test*.jsonl")
    assert len(training) > 15_000 and len(held_out) > 9_000
    assert not set(training) & set(held_out)
