"""Content files: the real ones load, and every kind of mistake is reported with file, line,
key and a fix, all at once."""

from __future__ import annotations

import pytest

from portrait.errors import InputError
from portrait.inputs.content import AttributesSection, load_content


def test_real_content_loads_in_order(project):
    content = load_content(project)
    assert [s.id for s in content.sections] == [
        "introduction",
        "why",
        "process",
        "attributes",
        "reflection",
        "insights",
        "cohort",
        "colophon",
    ]
    pub = content.publication
    assert (pub.publisher, pub.network, pub.language) == ("KnowledgeWorks", "Lead for Learners", "en-US")


def test_five_attributes_with_their_published_taglines(project):
    attributes = load_content(project).attributes
    assert [(a.name, a.tagline) for a in attributes] == [
        ("Human-Centered Approaches", "Centering people and relationships in all decisions."),
        ("Transformation", "Inspiring bold action to drive positive, impactful change."),
        ("Authenticity", "Leading with integrity, purpose and vision."),
        ("Collaboration", "Working together to create systemic, sustainable solutions."),
        ("Advocacy", "Championing equity, access and opportunities for all."),
    ]


def test_unknown_attribute_texts_are_marked_placeholders(project):
    section = next(s for s in load_content(project).sections if isinstance(s, AttributesSection))
    for attribute in section.attributes:
        for part in (attribute.description, attribute.looks_like, attribute.in_action, attribute.reflection):
            assert part.placeholder


def test_quotes_keep_the_seed_wording_and_attribution(project):
    blocks = [b for s in load_content(project).sections for b in getattr(s, "blocks", [])]
    quotes = {b.name: b for b in blocks if b.type == "quote"}  # Dr. Gotto's last: the cohort page's
    assert set(quotes) == {"Dr. Jeni Gotto", "Estrada"}
    assert quotes["Dr. Jeni Gotto"].roles[0] == "Superintendent, Westminster Public Schools, Westminster, Colorado"
    why = next(s for s in load_content(project).sections if s.id == "why")
    assert why.blocks[1].text.startswith("As leaders, we\u2019ve seen implementation")  # typeset: a curly apostrophe
    assert quotes["Estrada"].roles[0] == "Teaching and Learning Coordinator, Mesa Public Schools, Mesa, Arizona"


def edit(project, relpath: str, old: str, new: str) -> None:
    path = project.root / relpath
    text = path.read_text()
    assert old in text, f"test setup: {old!r} not in {relpath}"
    path.write_text(text.replace(old, new, 1))


# (file, text to replace, replacement, expected "file:line: key: message" start, expected fix part)
BAD_INPUTS = [
    (
        "content/sections/why.yaml",
        '    name: "Dr. Jeni Gotto"',
        '    nmae: "Dr. Jeni Gotto"',
        "content/sections/why.yaml:19: blocks[1].nmae: unknown key",
        "did you mean `name`?",
    ),
    (
        "content/sections/why.yaml",
        '    name: "Dr. Jeni Gotto"',
        "    roles2: []",
        "content/sections/why.yaml:11: blocks[1].name: this required key is missing",
        "add `name:` here",
    ),
    (
        "content/sections/why.yaml",
        "  - type: statement",
        "  - type: statment",
        "content/sections/why.yaml:40: blocks[3]: Input tag 'statment'",
        "did you mean `statement`?",
    ),
    (
        "content/sections/why.yaml",
        "kind: chapter",
        "kind: chaptre",
        "content/sections/why.yaml:1: Input tag 'chaptre'",
        "did you mean `chapter`?",
    ),
    (
        "content/sections/attributes.yaml",
        '    tagline: "Leading with integrity, purpose and vision."\n',
        "",
        "content/sections/attributes.yaml:65: attributes[2].tagline: this required key is missing",
        "add `tagline:`",
    ),
    (
        "content/publication.yaml",
        'version: "1.0.0"',
        "version: 1.0",
        "content/publication.yaml:15: version: Input should be a valid string",
        "put it in quotes",
    ),
    (
        "content/publication.yaml",
        'language: "en-US"',
        'language: "English"',
        "content/publication.yaml:16: language: String should match pattern",
        "expected form",
    ),
    (
        "content/sections/cohort.yaml",
        '"Now forming the 2025-26 Emerging Leaders Cohort"',
        "Now: forming",
        "content/sections/cohort.yaml:7: invalid YAML: mapping values are not allowed here",
        'put text that contains ": " in quotes',
    ),
    (
        "content/sections/introduction.yaml",
        "make a lasting impact.",
        "make a [lasting](file:///etc/passwd) impact.",
        "content/sections/introduction.yaml:13: blocks[1].text: link `file:///etc/passwd` uses a scheme",
        None,
    ),
    (
        "content/sections/introduction.yaml",
        "make a lasting impact.",
        "make a ![x](https://example.org/x.png) impact.",
        "content/sections/introduction.yaml:13: blocks[1].text: images are not allowed in text",
        None,
    ),
    (
        "content/sections/introduction.yaml",
        "make a lasting impact.",
        "make a [lasting](../secret.txt) impact.",
        "content/sections/introduction.yaml:13: blocks[1].text: link `../secret.txt` is a relative path",
        None,
    ),
    (
        "content/sections/introduction.yaml",
        "id: introduction",
        "id: Intro Duction",
        "content/sections/introduction.yaml:1: id: String should match pattern",
        None,
    ),
    (
        "content/sections/process.yaml",
        "id: process",
        "id: why",
        "content/sections/process.yaml: id: section id `why` is also used by why.yaml",
        "different id",
    ),
    (
        "content/publication.yaml",
        "  - colophon.yaml",
        "  - colophon.yaml\n  - missing.yaml",
        "content/sections/missing.yaml: file not found",
        "create it",
    ),
    (
        "content/publication.yaml",
        "title: ",
        "title: x\ntitle: ",
        "content/publication.yaml:4: title: the key `title` appears twice (first on line 3)",
        "keep one",
    ),
    (
        "content/sections/colophon.yaml",
        "id: colophon",
        "id: &a colophon\nother: *a",
        "content/sections/colophon.yaml:2: YAML aliases (*name) are not allowed",
        None,
    ),
]


@pytest.mark.parametrize(("relpath", "old", "new", "expected", "fix"), BAD_INPUTS, ids=[b[3][:60] for b in BAD_INPUTS])
def test_bad_content_is_reported_with_file_line_key_and_fix(tmp_project, relpath, old, new, expected, fix):
    edit(tmp_project, relpath, old, new)
    with pytest.raises(InputError) as caught:
        load_content(tmp_project)
    rendered = [str(p) for p in caught.value.problems]
    assert any(r.startswith(expected) for r in rendered), "\n".join(rendered)
    if fix is not None:
        problem = next(p for p in caught.value.problems if str(p).startswith(expected))
        assert problem.fix is not None and fix in problem.fix


def test_every_problem_of_every_file_is_reported_together(tmp_project):
    edit(tmp_project, "content/publication.yaml", 'version: "1.0.0"', "version: 1.0")
    edit(tmp_project, "content/sections/why.yaml", '    name: "Dr. Jeni Gotto"', '    nmae: "Dr. Jeni Gotto"')
    edit(tmp_project, "content/sections/cohort.yaml", "kind: call-to-action", "kind: cta")
    with pytest.raises(InputError) as caught:
        load_content(tmp_project)
    files = {p.file for p in caught.value.problems}
    assert files == {"content/publication.yaml", "content/sections/why.yaml", "content/sections/cohort.yaml"}
    assert len(caught.value.problems) == 4  # nmae is unknown and name is missing


def test_not_utf8_is_an_input_error(tmp_project):
    (tmp_project.content / "sections" / "why.yaml").write_bytes(b"id: why\ntitle: \xff\xfe\n")
    with pytest.raises(InputError, match=r"content/sections/why.yaml: not UTF-8 text"):
        load_content(tmp_project)


def test_yaml_tags_cannot_construct_python_objects(tmp_project):
    (tmp_project.content / "sections" / "why.yaml").write_text("id: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(InputError, match="invalid YAML"):
        load_content(tmp_project)
