"""What an editor sees for each kind of breakage: file, line, column, rule and a plain sentence."""

from __future__ import annotations

import textwrap

import pytest

from playbook.editor.check import check_text

HEAD = """\
organisation: {name: Example}
lists:
  rude: {terms: [idiot]}
experts:
  billing: {owner: "subteam:S1", keywords: rude}
rules:
"""


def problems(rules: str) -> list[str]:
    return [str(p) for p in check_text(HEAD + textwrap.dedent(rules), "rules.yaml")]


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        pytest.param(
            """\
            - id: a
              when: {fact: author.folowers, at_least: 3}
              then: {category: abuse}
            """,
            "rules.yaml:8:16: [rule a] unknown fact `author.folowers` (did you mean `author.followers`?)",
            id="unknown-fact",
        ),
        pytest.param(
            """\
            - id: a
              when: {fact: text, contains_any: rud}
              then: {category: abuse}
            """,
            "rules.yaml:8:36: [rule a] unknown list `rud` (did you mean `rude`?)",
            id="unknown-list",
        ),
        pytest.param(
            """\
            - id: a
              when: {fact: text, contans_any: rude}
              then: {category: abuse}
            """,
            "rules.yaml:8:22: [rule a] unknown key `contans_any`",
            id="unknown-key",
        ),
        pytest.param(
            """\
            - id: a
              when: {fact: text, contains_any: rude}
              then: {category: abuse, severity: huge}
            """,
            "rules.yaml:9:37: [rule a] `huge` is not allowed for `severity`; use one of 'low', 'medium', 'high' or 'critical'",
            id="bad-severity",
        ),
        pytest.param(
            """\
            - id: a
              when: {fact: text, matches: "(a+)+b"}
              then: {category: abuse}
            """,
            "rules.yaml:8:32: [rule a] regex `(a+)+b`: ",
            id="catastrophic-regex",
        ),
        pytest.param(
            """\
            - id: a
              when: {fact: text, matches: "[unclosed"}
              then: {category: abuse}
            """,
            "rules.yaml:8:32: [rule a] regex `[unclosed`: ",
            id="invalid-regex",
        ),
        pytest.param(
            """\
            - id: a
              when: {fact: text, contains_any: rude}
              then:
                steps: [{kind: apologize}]
            """,
            "rules.yaml:10:20: [rule a] unknown step kind `apologize` (did you mean `apologise`?)",
            id="unknown-step-kind",
        ),
        pytest.param(
            """\
            - id: a
              when: {fact: text, contains_any: rude}
              then:
                steps: [{kind: apologise, draft: {en: "{autor}, we are sorry."}}]
            """,
            "rules.yaml:10:43: [rule a] unknown placeholder `{autor}` in the draft; use {author}",
            id="unknown-placeholder",
        ),
        pytest.param(
            """\
            - id: a
              when: {fact: text, contains_any: rude}
              then:
                steps: [{kind: verify_facts, owner: "expert:biling"}]
            """,
            "rules.yaml:10:41: [rule a] unknown expert topic `biling` (did you mean `billing`?)",
            id="unknown-expert",
        ),
        pytest.param(
            """\
            - id: a
              when: {fact: text, contains_any: rude}
              then: {category: abuse}
            - id: a
              when: {fact: text, contains_any: rude}
              then: {category: abuse}
            """,
            "rules.yaml:10:7: [rule a] rule id `a` is used twice (also rule number 1)",
            id="duplicate-rule-id",
        ),
        pytest.param(
            """\
            - id: a
              when: {condition: nowhere}
              then: {category: abuse}
            """,
            "rules.yaml:8:21: [rule a] unknown condition `nowhere`",
            id="unknown-condition",
        ),
        pytest.param(
            """\
            - id: a
              when: {fact: author.followers, contains_any: rude}
              then: {category: abuse}
            """,
            "rules.yaml:8:34: [rule a] `contains_any` cannot test `author.followers` (a number); use one of: at_least",
            id="operator-for-wrong-kind",
        ),
        pytest.param(
            """\
            - id: a
              when: {fact: text}
              then: {category: abuse}
            """,
            "rules.yaml:8:9: [rule a] a test of `text` needs one operator: equals, in",
            id="missing-operator",
        ),
        pytest.param(
            """\
            - id: a
              when: {fact: time, in_schedule: {timezone: Mars/Olympus}}
              then: {category: abuse}
            """,
            "rules.yaml:8:46: [rule a] unknown timezone `Mars/Olympus` (use a name such as Asia/Seoul or UTC)",
            id="unknown-timezone",
        ),
    ],
)
def test_each_breakage_is_located_and_explained(rules: str, expected: str) -> None:
    found = problems(rules)
    assert any(p.startswith(expected) for p in found), found


# Where a bad regex is reported: at the offending character, read back through the
# scalar's quoting; at the value's start where the text cannot be mapped reliably.
@pytest.mark.parametrize(
    ("when", "where"),
    [
        pytest.param("{fact: text, matches: ab(cd}", "8:33", id="plain-in-flow"),
        pytest.param("\n    fact: text\n    matches: abc(def", "10:17", id="plain-block"),
        pytest.param('{fact: text, matches: "x\\\\d+(y"}', "8:37", id="double-quoted-escapes"),
        pytest.param('{fact: text, matches: "\\u00e9+(y"}', "8:39", id="double-quoted-unicode"),
        pytest.param("{fact: text, matches: 'it''s(x'}", "8:37", id="single-quoted-doubled-quote"),
        pytest.param("{fact: text, matches: '한국(어'}", "8:34", id="korean"),
        pytest.param("{fact: text, matches: 'a**'}", "8:34", id="multiple-repeat"),
        pytest.param("{fact: text, matches: 'ok|(a|ab)+$'}", "8:35", id="catastrophic-later"),
        pytest.param(
            "\n    fact: text\n    matches: |-\n      abc\n      d(e", "12:8", id="literal-block"
        ),
        pytest.param(
            "\n    fact: text\n    matches: >-\n      abc\n      d(e",
            "10:14",
            id="folded-falls-back",
        ),
        pytest.param(
            '{fact: text, matches: "abc\n      d(e"}', "8:31", id="multi-line-quoted-falls-back"
        ),
    ],
)
def test_a_bad_regex_is_located_at_the_offending_character(when: str, where: str) -> None:
    found = problems(f"- id: a\n  when: {when}\n  then: {{category: abuse}}\n")
    assert len(found) == 1, found
    assert found[0].startswith(f"rules.yaml:{where}: [rule a] regex `"), found


def test_a_bad_regex_is_located_in_a_file_with_windows_line_ends() -> None:
    text = HEAD + "- id: a\n  when: {fact: text, matches: 'x(y'}\n  then: {category: abuse}\n"
    found = [str(p) for p in check_text(text.replace("\n", "\r\n"), "rules.yaml")]
    assert found and found[0].startswith("rules.yaml:8:33: [rule a] regex `x(y`"), found


def test_a_bad_regex_in_a_named_condition_is_located_there() -> None:
    text = HEAD.replace(
        "rules:\n",
        "conditions:\n  odd: {fact: text, matches: 'abc)'}\nrules:\n"
        "- id: a\n  when: {condition: odd}\n  then: {category: abuse}\n",
    )
    found = [str(p) for p in check_text(text, "rules.yaml")]
    assert found and all(p.startswith("rules.yaml:7:34: ") for p in found), found
    assert "a closing bracket ) has no opening bracket (at character 4)" in found[0]


def test_rule_shadowed_by_a_stop_rule_is_unreachable() -> None:
    found = problems(
        """\
        - id: rude
          priority: 10
          stop: true
          when: {fact: text, contains_any: rude}
          then: {category: abuse}
        - id: rude-and-big
          when:
            all:
              - {fact: text, contains_any: rude}
              - {fact: author.followers, at_least: 10000}
          then: {severity: high}
        - id: big
          when: {fact: author.followers, at_least: 10000}
          then: {severity: high}
        """
    )
    assert found == [
        "rules.yaml:12:7: [rule rude-and-big] rule `rude-and-big` can never take effect: whenever"
        " it matches, `rude` (priority 10, stop) matches first (give it a priority above 10 or "
        "narrow the stop rule)"
    ]


def test_duplicate_keys_are_refused() -> None:
    found = [
        str(p)
        for p in check_text(
            "organisation: {name: a}\norganisation: {name: b}\nrules: []\n", "r.yaml"
        )
    ]
    assert found == ["r.yaml:2:1: duplicate key `organisation` (first given at line 1)"]


def test_yaml_syntax_error_has_line_and_column() -> None:
    found = [str(p) for p in check_text("organisation: {name: a\nrules: []\n", "r.yaml")]
    assert found[0].startswith("r.yaml:2:")
    assert "YAML syntax" in found[0]


def test_python_tags_are_refused_not_executed() -> None:
    found = [
        str(p)
        for p in check_text(
            "organisation: !!python/object/apply:os.system [echo]\nrules: []\n", "r.yaml"
        )
    ]
    assert len(found) == 1
    assert "not allowed in a rules file" in found[0]


def test_all_errors_are_reported_at_once() -> None:
    found = problems(
        """\
        - id: a
          when: {fact: folowers, at_least: 1}
          then: {steps: [{kind: nope}]}
        - id: b
          when: {fact: text, contains_any: missing}
          then: {category: abuse}
        """
    )
    assert len(found) == 3, found


def test_the_default_playbook_is_clean() -> None:
    from playbook.core.settings import REPO_ROOT

    assert check_text((REPO_ROOT / "rules.yaml").read_text(encoding="utf-8"), "rules.yaml") == []
