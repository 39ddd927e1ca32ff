import subprocess
import sys


def test_quiz_core_imports_no_framework_or_app_code():
    code = (
        "import sys, quizzes.engine, quizzes.model, quizzes.catalogue, quizzes.checks;"
        " print(' '.join(sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {name.split(".")[0] for name in run.stdout.split()}
    assert not {"flask", "sqlalchemy", "pylti1p3", "lti_tool"} & loaded
