"""Apply an edits file (test/fixtures/*-edits.json) to a copy of a project.

usage: python apply_edits.py <project_dir> <edits.json> [--build]   (--build leaves out ls_only edits)
"""
import json
import os
import sys


def main():
    project, edits_file = sys.argv[1:3]
    build = "--build" in sys.argv[3:]
    with open(edits_file, encoding="utf-8") as f:
        edits = json.load(f)["edits"]
    for edit in edits:
        if build and edit.get("ls_only"):
            continue
        path = os.path.join(project, edit["file"])
        if "create" in edit:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(edit["create"])
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if edit["find"] not in text:
            raise SystemExit(f"{edit['file']}: {edit['find']!r} not found")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(edit["find"], edit["replace"], 1))


if __name__ == "__main__":
    main()
