"""Every form posts to an explicit URL (issue 19): a form without an action posts to the
page's address, fragment included, and after "Skip to main content" that is #maincontent,
which the redirect then carries on to the next page."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_every_form_in_the_templates_names_its_action():
    missing = []
    for template in sorted(TEMPLATES.rglob("*")):
        if template.suffix not in (".jinja", ".html"):
            continue
        for tag in re.findall(r"<form\b[^>]*>", template.read_text()):
            if "action=" not in tag or "#" in tag:
                missing.append(f"{template.relative_to(TEMPLATES)}: {tag}")
    assert not missing, "\n".join(missing)
