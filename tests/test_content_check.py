"""``flask content check``: authors see every problem with its file and place; exit 1."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask
from click.testing import Result
from flask.testing import FlaskCliRunner

from modules import catalogue as module_catalogue
from quizzes import catalogue as quiz_catalogue


def invoke_in(app: Flask, *args: str) -> Result:
    """Run a command against ``app`` (Flask's runner would reuse the test's own app context)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def test_shipped_content_passes(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert "all installed content is valid" in result.output


def test_a_broken_quiz_file_is_named_with_the_place_and_exit_1(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    broken = tmp_path / "boundaries.yaml"
    text = (quiz_catalogue.CONTENT_DIR / "boundaries.yaml").read_text()
    broken.write_text(text.replace("pass_mark:", "pass_mark_typo:", 1))
    result = runner.invoke(args=["content", "check", str(broken)])
    assert result.exit_code == 1
    assert f"{broken}:" in result.output
    assert "pass_mark_typo" in result.output


def test_a_school_module_folder_with_a_problem_is_reported(
    make_app: object, tmp_path: Path, app: Flask
) -> None:
    school = tmp_path / "school-modules"
    shutil.copytree(
        module_catalogue.CONTENT_DIR / "primary-boundaries", school / "primary-boundaries"
    )
    module_yaml = school / "primary-boundaries" / "module.yaml"
    module_yaml.write_text(module_yaml.read_text().replace("title:", "titel:", 1))
    result = invoke_in(make_app(MODULES_DIR=str(school)), "content", "check")  # type: ignore[operator]
    assert result.exit_code == 1
    assert "primary-boundaries/module.yaml" in result.output
    assert "titel" in result.output


def test_a_programme_needing_a_missing_quiz_is_reported(
    make_app: object, tmp_path: Path, app: Flask
) -> None:
    quizzes = tmp_path / "quizzes"
    quizzes.mkdir()
    for path in quiz_catalogue.CONTENT_DIR.glob("*.yaml"):
        if path.name != "boundaries.yaml":
            shutil.copy(path, quizzes / path.name)
    result = invoke_in(make_app(QUIZ_CONTENT_DIR=str(quizzes)), "content", "check")  # type: ignore[operator]
    assert result.exit_code == 1
    assert "needs quiz 'boundaries', which is not in the quiz bank" in result.output
